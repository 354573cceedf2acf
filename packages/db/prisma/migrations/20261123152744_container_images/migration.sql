-- AlterTable
ALTER TABLE "Node" ADD COLUMN "containerRuntime" TEXT;

-- AlterTable
ALTER TABLE "Job" ADD COLUMN "image" TEXT;

