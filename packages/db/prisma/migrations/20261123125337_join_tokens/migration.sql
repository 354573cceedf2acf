-- AlterTable
ALTER TABLE "Node" ADD COLUMN "credentialHash" TEXT;

-- CreateTable
CREATE TABLE "JoinToken" (
    "tokenHash" TEXT NOT NULL PRIMARY KEY,
    "nodeName" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "usedBy" TEXT
);

