-- AlterTable
ALTER TABLE "Session" ADD COLUMN "name" TEXT;
