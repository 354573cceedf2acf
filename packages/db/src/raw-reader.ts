import { createRequire } from 'node:module';

/** The part of better-sqlite3 used here (it ships no types of its own). */
interface Statement {
  all(...params: unknown[]): unknown[];
}
interface Connection {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string, opts: { readonly: boolean; fileMustExist: boolean }) => Connection;

/**
 * A read-only SQLite connection of its own, for reads too large to go through the ORM every
 * time (the scheduler reads the whole queue each cycle): its statements are prepared once and
 * rows come back as plain objects, about ten times cheaper than the same query through Prisma.
 */
export class RawReader {
  private readonly conn: Connection;
  private readonly statements = new Map<string, Statement>();

  constructor(file: string) {
    this.conn = new Database(file, { readonly: true, fileMustExist: true });
  }

  /**
   * Runs `read` in one read transaction: every query in it sees the same state of the database
   * (WAL gives it a snapshot), and it holds no lock a writer waits for. It is synchronous:
   * nothing else of this process runs in between.
   */
  consistent<T>(read: (q: <Row>(sql: string, ...params: unknown[]) => Row[]) => T): T {
    this.conn.exec('BEGIN DEFERRED');
    try {
      return read((sql, ...params) => this.statement(sql).all(...params) as never);
    } finally {
      this.conn.exec('COMMIT');
    }
  }

  /** One query (a single statement is consistent by itself). */
  all<Row>(sql: string, ...params: unknown[]): Row[] {
    return this.statement(sql).all(...params) as Row[];
  }

  close(): void {
    this.conn.close();
  }

  private statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.conn.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}

/**
 * A time as Prisma writes it (`2026-11-23T20:33:21.708+00:00`) or as SQLite's CURRENT_TIMESTAMP
 * does (`2026-11-23 20:33:21`, UTC without a zone), in milliseconds since the epoch.
 */
export function sqliteTime(text: string): number {
  return Date.parse(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}

/** The file of a `file:` database URL. */
export const databaseFile = (databaseUrl: string): string => databaseUrl.replace(/^file:/, '');
