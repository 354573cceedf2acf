/**
 * The order in which pending jobs are considered. Kept apart from the numbers
 * that feed it (priority.ts) so the rule is one readable list:
 *
 *  policy `priority` (default):
 *   1. higher multifactor priority first (base + weighted fair-share, age, size, QOS);
 *   2. earlier submission first;
 *   3. job id, so equal jobs always sort the same way;
 *   4. with `priority.accountHeadsFirst` (default), account heads: the first eligible job of
 *      each account moves ahead of the jobs (same QOS class) of every account with a lower
 *      fair-share factor, so a less-served account's best job never queues behind a
 *      better-served account's backlog of smaller jobs (the size factor could outweigh
 *      fair-share there);
 *   5. with `priority.starvationLimits` N > 0, starving jobs: a job that has waited N times
 *      its own time limit goes ahead of every job of its QOS class or lower that is not
 *      starving, the longest-waiting first, so no job's turn slides back forever behind
 *      newer jobs that the size or fair-share factor prefer.
 *  policy `fifo`:
 *   1. earlier submission first;
 *   2. job id.
 */
export interface Orderable {
  readonly id: string;
  readonly submittedAt: number;
  readonly priority: number;
}

export function compareQueueOrder(a: Orderable, b: Orderable): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return compareFifo(a, b);
}

export function compareFifo(a: Orderable, b: Orderable): number {
  if (a.submittedAt !== b.submittedAt) return a.submittedAt - b.submittedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** What account heads are decided by; null = the job cannot be a head (e.g. it waits for a dependency). */
export interface HeadKey {
  readonly account: string;
  readonly qosPriority: number;
  readonly fairshare: number;
}

/**
 * Account heads first, on a list already in queue order: the first eligible job of each
 * account (per QOS class) moves ahead of every job of the same QOS class whose fair-share
 * factor is lower than its own; everything else keeps its order. So a better-served
 * account's backlog never passes a less-served account's head, and a head never passes
 * the jobs of accounts that are served less than its own.
 */
export function headsFirst<T extends Orderable>(sorted: readonly T[], keyOf: (x: T) => HeadKey | null): T[] {
  const keys = sorted.map(keyOf);
  // Per QOS class: its heads not yet placed, by fair-share (highest first), then queue order.
  const waiting = new Map<number, number[]>();
  const seen = new Set<string>();
  for (let i = 0; i < sorted.length; i++) {
    const k = keys[i];
    if (!k || seen.has(`${k.qosPriority}\u0000${k.account}`)) continue;
    seen.add(`${k.qosPriority}\u0000${k.account}`);
    const list = waiting.get(k.qosPriority) ?? [];
    list.push(i);
    waiting.set(k.qosPriority, list);
  }
  for (const list of waiting.values()) list.sort((a, b) => (keys[b] as HeadKey).fairshare - (keys[a] as HeadKey).fairshare || a - b);
  const placed = new Array<boolean>(sorted.length).fill(false);
  const out: T[] = [];
  const place = (i: number) => {
    placed[i] = true;
    out.push(sorted[i] as T);
  };
  for (let i = 0; i < sorted.length; i++) {
    if (placed[i]) continue;
    const k = keys[i];
    const list = k ? waiting.get(k.qosPriority) : undefined;
    if (k && list) {
      // Heads of accounts served better than this job's go first.
      while (list.length > 0 && ((keys[list[0] as number] as HeadKey).fairshare > k.fairshare || placed[list[0] as number])) {
        const h = list.shift() as number;
        if (!placed[h]) place(h);
      }
    }
    if (!placed[i]) place(i);
  }
  return out;
}

/**
 * Starving jobs first, on a list already in queue order: jobs for which `starving` holds move
 * ahead of every other job whose QOS priority is not higher than theirs, oldest submission
 * first; the others keep their order.
 */
export function starvingFirst<T extends Orderable & { readonly qosPriority: number }>(order: readonly T[], starving: (x: T) => boolean): T[] {
  const hungry: T[] = [];
  const rest: T[] = [];
  for (const x of order) (starving(x) ? hungry : rest).push(x);
  if (hungry.length === 0) return [...order];
  hungry.sort(compareFifo);
  const out: T[] = [];
  let h = 0;
  for (const x of rest) {
    while (h < hungry.length && (hungry[h] as T).qosPriority >= x.qosPriority) out.push(hungry[h++] as T);
    out.push(x);
  }
  while (h < hungry.length) out.push(hungry[h++] as T);
  return out;
}
