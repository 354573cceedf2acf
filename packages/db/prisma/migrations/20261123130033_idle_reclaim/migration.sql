-- AlterTable
ALTER TABLE "Account" ADD COLUMN "idleTimeoutMinutes" INTEGER;

-- AlterTable
ALTER TABLE "Job" ADD COLUMN "idleStopAt" DATETIME;
ALTER TABLE "Job" ADD COLUMN "idleTimeoutMinutes" INTEGER;
ALTER TABLE "Job" ADD COLUMN "lastActivityAt" DATETIME;

