-- AlterTable
ALTER TABLE "User" ADD COLUMN "defaultAccount" TEXT;

-- AlterTable
ALTER TABLE "Gpu" ADD COLUMN "nvlinkDomain" TEXT;

-- CreateTable
CREATE TABLE "Account" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "parent" TEXT,
    "shares" INTEGER NOT NULL DEFAULT 1,
    "description" TEXT NOT NULL DEFAULT '',
    "budgetGpuHours" REAL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "AccountMember" (
    "accountName" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "shares" INTEGER NOT NULL DEFAULT 1,

    PRIMARY KEY ("accountName", "userId"),
    CONSTRAINT "AccountMember_accountName_fkey" FOREIGN KEY ("accountName") REFERENCES "Account" ("name") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AccountMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Quota" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "accountName" TEXT NOT NULL,
    "pool" TEXT NOT NULL DEFAULT '',
    "guaranteedGpus" INTEGER,
    "maxGpus" INTEGER,
    CONSTRAINT "Quota_accountName_fkey" FOREIGN KEY ("accountName") REFERENCES "Account" ("name") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Qos" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "priority" INTEGER NOT NULL,
    "preemptible" BOOLEAN NOT NULL,
    "canPreempt" TEXT NOT NULL DEFAULT '',
    "maxWallMinutes" INTEGER,
    "maxGpusPerUser" INTEGER,
    "maxGpusPerAccount" INTEGER,
    "cpusPerGpu" INTEGER NOT NULL DEFAULT 4,
    "memoryMiBPerGpu" INTEGER NOT NULL DEFAULT 16384,
    "idleTimeoutMinutes" INTEGER,
    "maxLifetimeMinutes" INTEGER,
    "description" TEXT NOT NULL DEFAULT ''
);

-- CreateTable
CREATE TABLE "Usage" (
    "account" TEXT NOT NULL,
    "user" TEXT NOT NULL,
    "gpuSeconds" REAL NOT NULL,

    PRIMARY KEY ("account", "user")
);

-- CreateTable
CREATE TABLE "BudgetUsage" (
    "account" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "gpuHours" REAL NOT NULL,

    PRIMARY KEY ("account", "period")
);

-- CreateTable
CREATE TABLE "SchedulerState" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "NodeHardwareEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "nodeName" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT NOT NULL,
    "component" TEXT NOT NULL,
    "detail" TEXT NOT NULL DEFAULT ''
);

-- CreateTable
CREATE TABLE "PendingExplain" (
    "jobId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "position" INTEGER NOT NULL,
    "positionInAccount" INTEGER NOT NULL,
    "estimatedStart" DATETIME,
    "priority" REAL NOT NULL,
    "breakdown" TEXT NOT NULL,
    "detail" TEXT,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "PendingExplain_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Node" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "hostname" TEXT NOT NULL DEFAULT '',
    "state" TEXT NOT NULL DEFAULT 'DOWN',
    "cpus" INTEGER NOT NULL DEFAULT 0,
    "memoryMiB" INTEGER NOT NULL DEFAULT 0,
    "gpuSource" TEXT NOT NULL DEFAULT 'simulated',
    "pool" TEXT NOT NULL DEFAULT 'default',
    "drainReason" TEXT,
    "inventory" TEXT,
    "lastSeenAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_Node" ("cpus", "createdAt", "gpuSource", "hostname", "id", "lastSeenAt", "memoryMiB", "name", "state") SELECT "cpus", "createdAt", "gpuSource", "hostname", "id", "lastSeenAt", "memoryMiB", "name", "state" FROM "Node";
DROP TABLE "Node";
ALTER TABLE "new_Node" RENAME TO "Node";
CREATE UNIQUE INDEX "Node_name_key" ON "Node"("name");
CREATE TABLE "new_Job" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'batch',
    "template" TEXT,
    "command" TEXT NOT NULL,
    "gpus" INTEGER NOT NULL,
    "timeLimitMinutes" INTEGER NOT NULL,
    "account" TEXT NOT NULL DEFAULT 'default',
    "qos" TEXT NOT NULL DEFAULT 'batch',
    "gpuModel" TEXT,
    "pool" TEXT,
    "dependsOn" TEXT NOT NULL DEFAULT '',
    "cpus" INTEGER,
    "memoryMiB" INTEGER,
    "requeue" BOOLEAN NOT NULL DEFAULT true,
    "checkpointable" BOOLEAN NOT NULL DEFAULT false,
    "preemptCount" INTEGER NOT NULL DEFAULT 0,
    "borrowed" BOOLEAN NOT NULL DEFAULT false,
    "state" TEXT NOT NULL DEFAULT 'PENDING',
    "reason" TEXT,
    "exitCode" INTEGER,
    "basePriority" INTEGER NOT NULL DEFAULT 0,
    "stopRequested" TEXT,
    "submittedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "endedAt" DATETIME,
    "nodeName" TEXT,
    "sessionToken" TEXT,
    "sessionHost" TEXT,
    "sessionPort" INTEGER,
    CONSTRAINT "Job_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Job" ("basePriority", "command", "endedAt", "exitCode", "gpus", "id", "kind", "name", "nodeName", "reason", "sessionHost", "sessionPort", "sessionToken", "startedAt", "state", "stopRequested", "submittedAt", "template", "timeLimitMinutes", "userId") SELECT "basePriority", "command", "endedAt", "exitCode", "gpus", "id", "kind", "name", "nodeName", "reason", "sessionHost", "sessionPort", "sessionToken", "startedAt", "state", "stopRequested", "submittedAt", "template", "timeLimitMinutes", "userId" FROM "Job";
DROP TABLE "Job";
ALTER TABLE "new_Job" RENAME TO "Job";
CREATE INDEX "Job_state_idx" ON "Job"("state");
CREATE INDEX "Job_userId_submittedAt_idx" ON "Job"("userId", "submittedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "AccountMember_userId_idx" ON "AccountMember"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Quota_accountName_pool_key" ON "Quota"("accountName", "pool");

-- CreateIndex
CREATE INDEX "NodeHardwareEvent_nodeName_at_idx" ON "NodeHardwareEvent"("nodeName", "at");


-- Default QOS classes and the account every user may charge (admins change them later).
INSERT INTO "Qos" ("name", "priority", "preemptible", "canPreempt", "maxWallMinutes", "maxGpusPerUser", "maxGpusPerAccount", "cpusPerGpu", "memoryMiBPerGpu", "idleTimeoutMinutes", "maxLifetimeMinutes", "description") VALUES
  ('interactive', 100, false, 'scavenger', 720, 4, NULL, 4, 16384, 60, 720, 'Notebooks, terminals and other sessions: high priority, never preempted, at most 4 GPUs per user.'),
  ('batch', 50, true, 'scavenger', 20160, NULL, NULL, 8, 65536, NULL, NULL, 'Queued training jobs: may be time-sliced when its account is over-served.'),
  ('scavenger', 0, true, '', NULL, NULL, NULL, 8, 65536, NULL, NULL, 'Uses idle GPUs at the lowest priority; preempted by anything else.');
INSERT INTO "Account" ("name", "description") VALUES ('default', 'Charged when a user belongs to no other account.');
