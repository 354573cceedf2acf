import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Db, openDb } from './index';
import { applyMigrations, databaseUrlFor } from './migrate';

/** A real, migrated SQLite database in a fresh temporary directory, for tests. */
export async function createTestDb(): Promise<{ db: Db; dataDir: string; databaseUrl: string; cleanup: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-test-'));
  const databaseUrl = databaseUrlFor(dataDir);
  await applyMigrations(databaseUrl);
  const db = await openDb(databaseUrl);
  return {
    db,
    dataDir,
    databaseUrl,
    cleanup: async () => {
      await db.$disconnect();
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
