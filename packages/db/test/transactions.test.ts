import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDb } from '../src/index';
import { databaseFile } from '../src/raw-reader';
import { createTestDb } from '../src/testing';

// Another process's connection, as the scheduler's is to the portal's: plain better-sqlite3.
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string, opts?: { timeout: number }) => { exec(sql: string): void; close(): void };

let t: Awaited<ReturnType<typeof createTestDb>>;
let impatient: Db;
beforeAll(async () => {
  t = await createTestDb();
  impatient = await openDb(t.databaseUrl, { busyTimeoutMs: 50 });
});
afterAll(async () => {
  await impatient.$disconnect();
  await t.cleanup();
});

const addUser = (db: Db, username: string) => db.$transaction(async (tx) => tx.user.create({ data: { username, passwordHash: 'x' } }));

describe('transactions', () => {
  it('take the write lock first: another writer waits for them, instead of making them fail after their first read', async () => {
    const other = new Database(databaseFile(t.databaseUrl), { timeout: 0 });
    try {
      const created = await t.db.$transaction(async (tx) => {
        const n = await tx.user.count();
        // A deferred transaction would let this write in and then fail its own (SQLITE_BUSY_SNAPSHOT).
        expect(() => other.exec("INSERT INTO User (username, passwordHash, role, createdAt) VALUES ('outside', 'x', 'user', 0)")).toThrow(/locked/);
        return tx.user.create({ data: { username: `writer-${n}`, passwordHash: 'x' } });
      });
      expect(created.username).toBe('writer-0');
    } finally {
      other.close();
    }
  });

  it('a query outside a transaction is not part of the one under way: it runs after it, and outlives its rollback', async () => {
    await t.db.user.create({ data: { username: 'bystander', passwordHash: 'old' } });
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    // Another part of the process has a transaction open (e.g. the scheduler publishing the queue).
    const other = t.db.$transaction(async (tx) => {
      await tx.user.create({ data: { username: 'inside-tx', passwordHash: 'x' } });
      entered();
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('rolled back');
    });
    await inside;
    await t.db.user.update({ where: { username: 'bystander' }, data: { passwordHash: 'new' } });
    await expect(other).rejects.toThrow('rolled back');
    expect(await t.db.user.findMany({ where: { username: { in: ['inside-tx', 'bystander'] } }, select: { username: true, passwordHash: true } })).toEqual([
      { username: 'bystander', passwordHash: 'new' },
    ]);
  });

  it('a transaction that cannot get the lock in time fails alone; the next ones run', async () => {
    const holder = new Database(databaseFile(t.databaseUrl));
    holder.exec('BEGIN IMMEDIATE');
    try {
      await expect(addUser(impatient, 'while-locked')).rejects.toThrow();
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    await expect(addUser(impatient, 'after-unlock')).resolves.toMatchObject({ username: 'after-unlock' });
    const [a, b] = await Promise.all([addUser(impatient, 'one'), addUser(impatient, 'two')]);
    expect([a.username, b.username]).toEqual(['one', 'two']);
  });

  it('waiting for the write lock leaves the event loop free: what holds the lock in this process can finish', async () => {
    const patient = await openDb(t.databaseUrl, { busyTimeoutMs: 10_000 });
    const holder = new Database(databaseFile(t.databaseUrl));
    holder.exec('BEGIN IMMEDIATE');
    try {
      // SQLite's own busy wait would block this thread until its timeout: the timer that ends
      // the holder's transaction could not run, and the waiting transaction would fail.
      const waiting = addUser(patient, 'waited');
      await new Promise((r) => setTimeout(r, 30));
      holder.exec('COMMIT');
      await expect(waiting).resolves.toMatchObject({ username: 'waited' });
    } finally {
      holder.close();
      await patient.$disconnect();
    }
  });
});
