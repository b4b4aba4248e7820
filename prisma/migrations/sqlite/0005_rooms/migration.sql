-- AlterTable
ALTER TABLE "Message" ADD COLUMN "event" TEXT;
ALTER TABLE "Message" ADD COLUMN "removedById" TEXT;

-- CreateTable
CREATE TABLE "Mention" (
    "messageId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,

    PRIMARY KEY ("messageId", "userId"),
    CONSTRAINT "Mention_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Mention_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RoomSanction" (
    "conversationId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "until" DATETIME,
    "byId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,

    PRIMARY KEY ("conversationId", "userId", "kind"),
    CONSTRAINT "RoomSanction_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "RoomSanction_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable (written by hand: Prisma's diff redefines both tables, and dropping Conversation
-- inside the migration's transaction would cascade to every message and membership)
ALTER TABLE "Conversation" ADD COLUMN "private" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Conversation" ADD COLUMN "topic" TEXT;
CREATE INDEX "Conversation_private_idx" ON "Conversation"("private");
ALTER TABLE "Membership" ADD COLUMN "role" TEXT NOT NULL DEFAULT 'member';

-- CreateIndex
CREATE INDEX "Mention_userId_conversationId_seq_idx" ON "Mention"("userId", "conversationId", "seq");


-- A room's creator owns it (rooms made before roles existed).
UPDATE "Membership" SET "role" = 'owner'
WHERE EXISTS (SELECT 1 FROM "Conversation" c WHERE c."id" = "Membership"."conversationId" AND c."kind" = 'room' AND c."createdById" = "Membership"."userId");
