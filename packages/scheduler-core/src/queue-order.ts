/**
 * The order in which pending jobs are considered. Kept apart from the numbers
 * that feed it (priority.ts) so the rule is one readable list:
 *
 *  policy `priority` (default):
 *   1. higher multifactor priority first (base + weighted fair-share, age, size, QOS);
 *   2. earlier submission first;
 *   3. job id, so equal jobs always sort the same way.
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
