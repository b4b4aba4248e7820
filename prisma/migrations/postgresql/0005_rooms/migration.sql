-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN     "private" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "topic" TEXT;

-- AlterTable
ALTER TABLE "Membership" ADD COLUMN     "role" TEXT NOT NULL DEFAULT 'member';

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "event" TEXT,
ADD COLUMN     "removedById" TEXT;

-- CreateTable
CREATE TABLE "Mention" (
    "messageId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,

    CONSTRAINT "Mention_pkey" PRIMARY KEY ("messageId","userId")
);

-- CreateTable
CREATE TABLE "RoomSanction" (
    "conversationId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "until" TIMESTAMP(3),
    "byId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RoomSanction_pkey" PRIMARY KEY ("conversationId","userId","kind")
);

-- CreateIndex
CREATE INDEX "Mention_userId_conversationId_seq_idx" ON "Mention"("userId", "conversationId", "seq");

-- CreateIndex
CREATE INDEX "Conversation_private_idx" ON "Conversation"("private");

-- AddForeignKey
ALTER TABLE "Mention" ADD CONSTRAINT "Mention_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Mention" ADD CONSTRAINT "Mention_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoomSanction" ADD CONSTRAINT "RoomSanction_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoomSanction" ADD CONSTRAINT "RoomSanction_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- A room's creator owns it (rooms made before roles existed).
UPDATE "Membership" SET "role" = 'owner'
WHERE EXISTS (SELECT 1 FROM "Conversation" c WHERE c."id" = "Membership"."conversationId" AND c."kind" = 'room' AND c."createdById" = "Membership"."userId");
