/**
 * Facts the portal reads on nearly every request (whose an API token is, the QOS classes,
 * accounts and memberships, the cluster's size) kept for a short while instead of read again
 * each time. What admins change through the portal clears the cache at once (`clear()`); what
 * changes elsewhere (nodes joining or leaving, through the scheduler) is seen within `ttlMs`.
 * A TTL of 0 caches nothing.
 */
export class TtlCache {
  private readonly entries = new Map<string, { until: number; value: Promise<unknown> }>();

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value under `key`, loaded (once, also for callers arriving meanwhile) when missing or expired. */
  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return load();
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value as Promise<T>;
    if (this.entries.size >= MAX_ENTRIES) this.prune(now);
    const value = load();
    this.entries.set(key, { until: now + this.ttlMs, value });
    // A failed load is not remembered.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }

  private prune(now: number): void {
    for (const [key, e] of this.entries) if (e.until <= now) this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
  }
}

const MAX_ENTRIES = 10_000;

/** Reads everything from the database every time. */
export const NO_CACHE = new TtlCache(0);
