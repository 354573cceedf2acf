import { sqliteAdapter } from './adapter';
import { PrismaClient } from './generated/client';
import { databaseFile, RawReader } from './raw-reader';

export { recordJobEvent, recordJobEvents } from './events';
export type { Allocation, ApiToken, Gpu, Job, JobEvent, Node, Session, User } from './generated/client';
export { Prisma, PrismaClient } from './generated/client';
export { applyMigrations, databaseUrlFor } from './migrate';
export { dataPaths, jobLogPath } from './paths';
export { type RawReader, sqliteTime } from './raw-reader';

export type Db = PrismaClient;
/** What a Prisma interactive transaction hands its callback. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

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
  readers.set(db, { file: databaseFile(databaseUrl), reader: null });
  return db;
}

const readers = new WeakMap<Db, { file: string; reader: RawReader | null }>();

/** The read-only raw connection to the database of `db` (raw-reader.ts), opened at first use. */
export function rawReader(db: Db): RawReader {
  const entry = readers.get(db);
  if (!entry) throw new Error('rawReader: this client was not opened with openDb');
  entry.reader ??= new RawReader(entry.file);
  return entry.reader;
}

/** Closes the database: the client and its raw reader. */
export async function closeDb(db: Db): Promise<void> {
  const entry = readers.get(db);
  entry?.reader?.close();
  if (entry) entry.reader = null;
  await db.$disconnect();
}
