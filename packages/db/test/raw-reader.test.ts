import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { rawReader, sqliteTime } from '../src/index';
import { databaseFile } from '../src/raw-reader';
import { testDbForFile } from '../src/testing';

// Another process's connection (the portal's, as the scheduler sees it): plain better-sqlite3.
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => { exec(sql: string): void; close(): void };

const t = testDbForFile();
const usernames = (rows: { username: string }[]) => rows.map((r) => r.username);

describe('the raw reader', () => {
  it('sees what other connections committed, and within one consistent read, nothing that is committed during it', async () => {
    const reader = rawReader(t.db);
    await t.db.user.create({ data: { username: 'first', passwordHash: 'x' } });
    expect(usernames(reader.all('SELECT username FROM User ORDER BY id'))).toEqual(['first']);
    const other = new Database(databaseFile(t.databaseUrl));
    try {
      const [before, after] = reader.consistent((q) => {
        const one = q<{ username: string }>('SELECT username FROM User ORDER BY id');
        other.exec("INSERT INTO User (username, passwordHash, role, createdAt) VALUES ('during', 'x', 'user', '2026-01-01 00:00:00')");
        return [one, q<{ username: string }>('SELECT username FROM User ORDER BY id')];
      });
      expect([usernames(before), usernames(after)]).toEqual([['first'], ['first']]);
      expect(usernames(reader.all('SELECT username FROM User ORDER BY id'))).toEqual(['first', 'during']);
    } finally {
      other.close();
    }
  });

  it('cannot write', () => {
    expect(() => rawReader(t.db).all("INSERT INTO User (username, passwordHash) VALUES ('no', 'x') RETURNING id")).toThrow(/readonly/);
  });

  it('reads times as Prisma and as SQLite write them', async () => {
    const at = new Date('2026-11-23T20:33:21.708Z');
    const user = await t.db.user.create({ data: { username: 'timed', passwordHash: 'x', createdAt: at } });
    const [row] = rawReader(t.db).all<{ createdAt: string }>('SELECT createdAt FROM User WHERE id = ?', user.id);
    expect(sqliteTime(row?.createdAt ?? '')).toBe(at.getTime());
    // CURRENT_TIMESTAMP: UTC without a zone, whatever the machine's time zone.
    expect(sqliteTime('2026-11-23 20:33:21')).toBe(Date.UTC(2026, 10, 23, 20, 33, 21));
  });
});
