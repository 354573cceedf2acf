import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

type Factory = PrismaBetterSQLite3;
type Adapter = Awaited<ReturnType<Factory['connect']>>;
type Transaction = Awaited<ReturnType<Adapter['startTransaction']>>;

/**
 * Prisma's better-sqlite3 driver adapter with its transactions changed in these ways:
 *
 * - They begin IMMEDIATE: they take the write lock first. A deferred transaction that reads and
 *   then writes fails at once with SQLITE_BUSY_SNAPSHOT when another process wrote in between (the
 *   busy timeout does not apply to that case), so under load the portal's and the scheduler's
 *   writes were lost; taken up front, a writer waits its turn (busy timeout) instead.
 * - Waiting for the write lock does not block the process: BEGIN is tried without the busy
 *   timeout and again every few milliseconds until the timeout has passed. (The driver is
 *   synchronous: SQLite's own busy wait froze the whole event loop, and between its attempts it
 *   sleeps up to 100 ms, so a waiting process kept losing the lock to one that was not waiting.)
 * - A BEGIN that fails (the timeout ran out) fails only its own transaction. The stock adapter
 *   keeps its one-transaction-at-a-time lock after a failed BEGIN, so every later transaction
 *   of the process waited forever.
 * - A query outside any transaction waits for the transaction under way to end. The connection is
 *   one, so the stock adapter ran it inside that transaction: a write from elsewhere in the process
 *   became part of it (and was rolled back with it), and other connections saw it only at its commit.
 */
export function sqliteAdapter(url: string, busyTimeoutMs: number) {
  const factory = new PrismaBetterSQLite3({ url, timeout: busyTimeoutMs });
  return {
    provider: 'sqlite' as const,
    adapterName: factory.adapterName,
    connect: async (): Promise<Adapter> => immediateTransactions(await factory.connect(), busyTimeoutMs),
  };
}

const BEGIN = { sql: 'BEGIN IMMEDIATE', args: [], argTypes: [] };

const sql = (text: string) => ({ sql: text, args: [], argTypes: [] });
const isBusy = (err: unknown) => (err as { cause?: { originalCode?: string } }).cause?.originalCode === 'SQLITE_BUSY';

/** Runs BEGIN, waiting for the write lock (up to `timeoutMs`) without blocking the event loop. */
async function begin(adapter: Adapter, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, 16)) {
    // The driver runs each of these at once, when called: no other query of this process can
    // come in between and find the busy timeout off.
    const settled = Promise.allSettled([adapter.queryRaw(sql('PRAGMA busy_timeout = 0')), adapter.executeRaw(BEGIN), adapter.queryRaw(sql(`PRAGMA busy_timeout = ${timeoutMs}`))]);
    const [, began] = await settled;
    if (began?.status === 'fulfilled') return;
    if (!isBusy(began?.reason) || Date.now() >= deadline) throw began?.reason;
    await new Promise((r) => setTimeout(r, pause));
  }
}

function immediateTransactions(adapter: Adapter, busyTimeoutMs: number): Adapter {
  // The connection is one: its transactions run one at a time.
  let tail: Promise<void> = Promise.resolve();
  const turn = (): Promise<() => void> => {
    let release = () => {};
    const done = new Promise<void>((r) => {
      release = r;
    });
    const mine = tail.then(() => release);
    tail = tail.then(() => done);
    return mine;
  };
  /** Runs a query outside any transaction once the transaction under way (if any) has ended. */
  const alone = async <T>(query: () => Promise<T>): Promise<T> => {
    const release = await turn();
    try {
      return await query();
    } finally {
      release();
    }
  };
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (q) => alone(() => adapter.queryRaw(q)),
    executeRaw: (q) => alone(() => adapter.executeRaw(q)),
    executeScript: (s) => alone(() => adapter.executeScript(s)),
    dispose: () => adapter.dispose(),
    async startTransaction(): Promise<Transaction> {
      const release = await turn();
      try {
        await begin(adapter, busyTimeoutMs);
      } catch (err) {
        release();
        throw err;
      }
      // Prisma sends COMMIT / ROLLBACK itself; these only end the turn.
      const end = async () => release();
      return {
        provider: adapter.provider,
        adapterName: adapter.adapterName,
        options: { usePhantomQuery: false },
        queryRaw: (q) => adapter.queryRaw(q),
        executeRaw: (q) => adapter.executeRaw(q),
        commit: end,
        rollback: end,
      };
    },
  };
}
