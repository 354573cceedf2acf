import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { closeDb, type Db, openDb } from './index';
import { applyMigrations, databaseUrlFor } from './migrate';

export interface TestDb {
  db: Db;
  dataDir: string;
  databaseUrl: string;
  cleanup: () => Promise<void>;
}

/** A real, migrated SQLite database in a fresh temporary directory, for tests. */
export async function createTestDb(): Promise<TestDb> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-test-'));
  const databaseUrl = databaseUrlFor(dataDir);
  await applyMigrations(databaseUrl);
  const db = await openDb(databaseUrl);
  return {
    db,
    dataDir,
    databaseUrl,
    cleanup: async () => {
      await closeDb(db);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Empties every table, so tests in one file can share a database (cheaper than a new one per
 * test). What the migrations seed stays: the QOS classes and the `default` account.
 */
export async function resetDb(db: Db): Promise<void> {
  await db.$transaction([
    db.pendingExplain.deleteMany(),
    db.accountMember.deleteMany(),
    db.quota.deleteMany(),
    db.account.deleteMany({ where: { name: { not: 'default' } } }),
    db.usage.deleteMany(),
    db.budgetUsage.deleteMany(),
    db.schedulerState.deleteMany(),
    db.nodeHardwareEvent.deleteMany(),
    db.jobEvent.deleteMany(),
    db.allocation.deleteMany(),
    db.job.deleteMany(),
    db.gpu.deleteMany(),
    db.node.deleteMany(),
    db.apiToken.deleteMany(),
    db.session.deleteMany(),
    db.user.deleteMany(),
  ]);
}

/**
 * The usual set-up of a test file (vitest hooks): one test database for the file, emptied before
 * each test, removed after the last. Its fields are there once the first test runs.
 */
export function testDbForFile(): TestDb {
  const t = {} as TestDb;
  beforeAll(async () => {
    Object.assign(t, await createTestDb());
  });
  beforeEach(async () => {
    await resetDb(t.db);
  });
  afterAll(async () => {
    await t.cleanup();
  });
  return t;
}
