import { createRequire } from 'node:module';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from './generated/client';

export { recordJobEvent } from './events';
export type { Allocation, ApiToken, Gpu, Job, JobEvent, Node, Session, User } from './generated/client';
export { Prisma, PrismaClient } from './generated/client';
export { applyMigrations, databaseUrlFor } from './migrate';
export { dataPaths, jobLogPath } from './paths';

export type Db = PrismaClient;
/** What a Prisma interactive transaction hands its callback. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/**
 * Transactions begin IMMEDIATE: they take the write lock first. A deferred transaction that
 * reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT when another process wrote in
 * between (the busy timeout does not apply to that case), so under load the portal's and the
 * scheduler's writes were lost; taken up front, a writer waits its turn (busy timeout) instead.
 * The driver adapter issues a plain BEGIN and offers no option, hence this one-line rewrite.
 */
function beginImmediate(): void {
  const Database = createRequire(import.meta.url)('better-sqlite3') as { prototype: { prepare: (sql: string) => unknown; sluiceBeginImmediate?: boolean } };
  const proto = Database.prototype;
  if (proto.sluiceBeginImmediate) return;
  const prepare = proto.prepare;
  proto.prepare = function (this: unknown, sql: string) {
    return prepare.call(this, sql === 'BEGIN' ? 'BEGIN IMMEDIATE' : sql);
  };
  proto.sluiceBeginImmediate = true;
}

/**
 * Opens the database. SQLite runs in WAL mode with a busy timeout, because the portal
 * and the scheduler are separate processes writing the same file.
 */
export async function openDb(databaseUrl: string): Promise<Db> {
  beginImmediate();
  const adapter = new PrismaBetterSQLite3({ url: databaseUrl, timeout: 10_000 });
  const db = new PrismaClient({ adapter });
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await db.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
  await db.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  return db;
}
