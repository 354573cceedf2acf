-- AlterTable
ALTER TABLE "Job" ADD COLUMN "sessionAddress" TEXT;

