-- Reactions (written by hand, as Prisma's diff would, plus the data step): a fixed set of emoji
-- per message, each at most once per user. Every like becomes the ❤️ reaction, then Like goes.

-- CreateTable
CREATE TABLE "Reaction" (
    "messageId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "emoji" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("messageId", "userId", "emoji"),
    CONSTRAINT "Reaction_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Reaction_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Reaction_messageId_emoji_createdAt_idx" ON "Reaction"("messageId", "emoji", "createdAt");

-- CreateIndex
CREATE INDEX "Reaction_userId_idx" ON "Reaction"("userId");

-- AlterTable
ALTER TABLE "Message" ADD COLUMN "reactions" TEXT;

-- Every like is the ❤️ reaction now.
INSERT INTO "Reaction" ("messageId", "userId", "emoji", "createdAt") SELECT "messageId", "userId", '❤️', "createdAt" FROM "Like";

-- The summaries from the rows: likeCount counts every reaction, reactions is the wire's `rx`.
UPDATE "Message" SET "likeCount" = (SELECT COUNT(*) FROM "Reaction" r WHERE r."messageId" = "Message"."id")
WHERE "likeCount" <> 0 OR "id" IN (SELECT "messageId" FROM "Reaction");
UPDATE "Message" SET "reactions" = '{"❤️":' || "likeCount" || '}' WHERE "likeCount" > 0;

-- DropTable
DROP TABLE "Like";
