import { inReadTransaction, sqliteAdapter } from './adapter';
import { PrismaClient } from './generated/client';

export { recordJobEvent, recordJobEvents } from './events';
export type { Allocation, ApiToken, Gpu, Job, JobEvent, Node, Session, User } from './generated/client';
export { Prisma, PrismaClient } from './generated/client';
export { applyMigrations, databaseUrlFor } from './migrate';
export { dataPaths, jobLogPath } from './paths';

export type Db = PrismaClient;
/** What a Prisma interactive transaction hands its callback. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** A transaction for reads only: consistent, and it holds no write lock (adapter.ts). */
export const readTransaction = <T>(db: Db, read: (tx: Tx) => Promise<T>): Promise<T> => inReadTransaction(() => db.$transaction(read));

/**
 * Opens the database. SQLite runs in WAL mode with a busy timeout, because the portal
 * and the scheduler are separate processes writing the same file; transactions take the
 * write lock first (adapter.ts).
 */
export async function openDb(databaseUrl: string, opts: { busyTimeoutMs?: number } = {}): Promise<Db> {
  const db = new PrismaClient({ adapter: sqliteAdapter(databaseUrl, opts.busyTimeoutMs ?? 10_000) });
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await db.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
  await db.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  return db;
}
