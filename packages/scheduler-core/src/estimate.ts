/**
 * Estimated start of every pending job: replay the queue forward in virtual
 * time with the same order, placement and quotas as a cycle, assuming every
 * running and started job runs to its time limit and nothing new arrives.
 * At each job end, jobs start in queue order; the first blocked jobs get
 * reservations (kept until they start) and later ones backfill where they
 * delay none. A job waiting for dependencies joins once they have ended in the
 * replay. Costly compared with a cycle, so the daemon calls it less often
 * (every few cycles) and merges the result into what it shows.
 */
import type { PendingReason } from '@sluice/contracts';
import { planGang, planSingle } from './backfill/plan-reservation';
import { ReservationBook } from './backfill/reservations';
import type { Alloc } from './cluster/state';
import type { SchedulerConfig } from './config';
import { buildContext, type JobView } from './context';
import type { NodeVeto } from './placement/find';
import { usableSize } from './placement/shape';
import { sortQueue } from './run-cycle';
import { jobForm, liveDependencies, staticReason } from './stages/filter';
import { QuotaBook } from './stages/quota';
import { findParts, plannedAlloc } from './stages/walk';
import type { ClusterSnapshot, CycleResult, EpochMs } from './types';

/** Reasons a job cannot end by waiting for running jobs to finish: no estimate unless the replay found one. */
const WAITS_FOR_MORE_THAN_GPUS: ReadonlySet<PendingReason> = new Set<PendingReason>(['InvalidQos', 'WallTimeLimit', 'QosLimit', 'Unplaceable', 'NodeDown', 'Budget', 'Dependency']);

/**
 * The estimated start to show for each pending job of a cycle: the replay's (`estimateStarts`,
 * possibly from an earlier cycle, as the daemon refreshes it less often when it is costly), else
 * the cycle's own (its reservation); a job the replay has not seen yet (submitted since) that
 * only waits for GPUs joins the back of the queue: the latest estimate shown, or now.
 */
export function shownEstimates(result: CycleResult, replay: Readonly<Record<string, EpochMs | null>>, now: EpochMs): Record<string, EpochMs | null> {
  const out: Record<string, EpochMs | null> = {};
  const unseen: string[] = [];
  let back: EpochMs | null = null;
  for (const [id, e] of Object.entries(result.pending)) {
    const est = replay[id] ?? e.estimatedStart;
    out[id] = est;
    if (est !== null) back = Math.max(back ?? est, est);
    else if (!(id in replay) && !WAITS_FOR_MORE_THAN_GPUS.has(e.reason)) unseen.push(id);
  }
  for (const id of unseen) out[id] = Math.max(back ?? now, now);
  return out;
}

export function estimateStarts(snapshot: ClusterSnapshot, config: SchedulerConfig, now: EpochMs): Record<string, EpochMs | null> {
  const ctx = buildContext(snapshot, config, now);
  const { state } = ctx;
  const out: Record<string, EpochMs | null> = {};
  const queue: JobView[] = [];
  const reasons = ctx.jobs.map((v) => staticReason(ctx, v));
  // Jobs that wait only for dependencies: which ones, and who waits for each.
  const waitsFor = new Map<string, Set<string>>();
  const dependents = new Map<string, string[]>();
  for (const v of ctx.jobs) {
    if (reasons[v.index] !== 'Dependency' || staticReason(ctx, v, true) !== null) continue;
    const deps = new Set(liveDependencies(ctx, v));
    waitsFor.set(v.id, deps);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), v.id]);
  }
  for (const v of sortQueue(ctx.jobs, config, ctx.now, (x) => reasons[x.index] === null)) {
    out[v.id] = null;
    if (reasons[v.index] === null || waitsFor.has(v.id)) queue.push(v);
  }
  const cpuOnly = queue.some((v) => jobForm(v) === 'cpu');
  const ended = (jobId: string) => {
    state.release(jobId);
    for (const d of dependents.get(jobId) ?? []) waitsFor.get(d)?.delete(jobId);
  };
  const quota = new QuotaBook(ctx, state);
  const book = new ReservationBook(now);
  const reserved = new Set<string>();
  const maxReservations = Math.max(1, Math.min(config.backfill.enabled ? config.backfill.reservations : 1, 8));
  const heap = new EndHeap();
  for (const a of state.allocs.values()) heap.push(a);
  const horizon = now + config.estimates.horizonSec * 1000;
  // Linked list over the queue, so started jobs drop out in O(1).
  const next = new Int32Array(queue.length + 1).map((_, i) => i + 1);
  const prev = new Int32Array(queue.length + 1).map((_, i) => i - 1);
  let head = queue.length > 0 ? 0 : -1;
  const unlink = (i: number) => {
    const p = prev[i] as number;
    const n = next[i] as number;
    if (p >= 0) next[p] = n;
    else head = n < queue.length ? n : -1;
    if (n < queue.length) prev[n] = p;
  };

  let t = now;
  while (head >= 0 && t <= horizon) {
    book.advance(t);
    let scanned = 0;
    for (let i = head; i >= 0 && i < queue.length; ) {
      const v = queue[i] as JobView;
      const following = next[i] as number;
      if ((waitsFor.get(v.id)?.size ?? 0) > 0) {
        i = following;
        continue;
      }
      if (scanned > config.estimates.scanDepth + book.size) break;
      scanned++;
      if (state.totalFree() === 0 && v.fraction === null && v.whole > 0) {
        // Nothing with GPUs can start before the next end; only jobs without GPUs may.
        if (!cpuOnly) break;
        i = following;
        continue;
      }
      if (quota.check(v) === null) {
        const form = jobForm(v);
        const endAt = t + v.limitMs;
        const veto: NodeVeto | null =
          book.size > 0
            ? (node, g) => book.fitsNow(node, form === 'gang' ? node.size : g, endAt, usableSize(node, v.shape.model), v.id)
            : null;
        const parts = findParts(state, v, form, veto);
        if (parts) {
          const alloc = plannedAlloc(v, parts, t, endAt);
          state.allocate(alloc);
          heap.push(alloc);
          out[v.id] = t;
          unlink(i);
          if (reserved.delete(v.id)) book.cancel(v.id);
        } else if (!reserved.has(v.id) && book.size < maxReservations && form !== 'fraction' && form !== 'cpu') {
          const plan = form === 'gang' ? planGang(state, book, v.shape, v.whole, v.limitMs) : planSingle(state, book, v.shape, v.whole, v.limitMs);
          if (plan && Number.isFinite(plan.start)) {
            book.reserve(v.id, plan.parts, plan.start, plan.start + v.limitMs);
            reserved.add(v.id);
          }
        }
      }
      i = following;
    }
    // Advance to the next end; everything ending then is released together.
    const first = heap.pop();
    if (!first) break;
    t = Math.max(t, first.endAt);
    ended(first.jobId);
    while (heap.peek() !== undefined && (heap.peek() as Alloc).endAt <= t) ended((heap.pop() as Alloc).jobId);
  }
  return out;
}

/** Binary min-heap of allocations by end time (then job id). */
class EndHeap {
  private readonly a: Alloc[] = [];
  private less(x: Alloc, y: Alloc): boolean {
    return x.endAt < y.endAt || (x.endAt === y.endAt && x.jobId < y.jobId);
  }
  peek(): Alloc | undefined {
    return this.a[0];
  }
  push(x: Alloc): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i] as Alloc, a[p] as Alloc)) break;
      [a[i], a[p]] = [a[p] as Alloc, a[i] as Alloc];
      i = p;
    }
  }
  pop(): Alloc | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l] as Alloc, a[m] as Alloc)) m = l;
        if (r < a.length && this.less(a[r] as Alloc, a[m] as Alloc)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as Alloc, a[i] as Alloc];
        i = m;
      }
    }
    return top;
  }
}
