/**
 * Estimated start of every pending job: replay the queue forward in virtual
 * time with the same order, placement and quotas as a cycle, assuming every
 * running and started job runs to its time limit and nothing new arrives.
 * At each job end, jobs start in queue order; the first blocked jobs get
 * reservations (kept until they start) and later ones backfill where they
 * delay none. Costly compared with a cycle, so the daemon calls it less often
 * (every few cycles) and merges the result into what it shows.
 */
import { planGang, planSingle } from './backfill/plan-reservation';
import { ReservationBook } from './backfill/reservations';
import type { Alloc, AllocPart } from './cluster/state';
import type { SchedulerConfig } from './config';
import { buildContext, type JobView } from './context';
import { findFraction, findGang, findSingle, type NodeVeto } from './placement/find';
import { usableSize } from './placement/shape';
import { sortQueue } from './run-cycle';
import { jobForm, staticReason } from './stages/filter';
import { QuotaBook } from './stages/quota';
import type { ClusterSnapshot, EpochMs } from './types';

export function estimateStarts(snapshot: ClusterSnapshot, config: SchedulerConfig, now: EpochMs): Record<string, EpochMs | null> {
  const ctx = buildContext(snapshot, config, now);
  const { state } = ctx;
  const out: Record<string, EpochMs | null> = {};
  const queue: JobView[] = [];
  const eligible = ctx.jobs.map((v) => staticReason(ctx, v) === null);
  for (const v of sortQueue(ctx.jobs, config, (x) => eligible[x.index] === true)) {
    out[v.id] = null;
    // Dependencies finish at unknown times: no estimate (null) for them either.
    if (eligible[v.index]) queue.push(v);
  }
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
      if (scanned > config.estimates.scanDepth + book.size) break;
      scanned++;
      if (state.totalFree() === 0 && v.fraction === null) break;
      if (quota.check(v) === null) {
        const form = jobForm(v);
        const endAt = t + v.limitMs;
        const veto: NodeVeto | null =
          book.size > 0
            ? (node, g) => book.fitsNow(node, form === 'gang' ? node.size : g, endAt, usableSize(node, v.shape.model), v.id)
            : null;
        let parts: AllocPart[] | null;
        if (form === 'gang') parts = findGang(state, v.shape, v.whole, veto);
        else {
          const p = form === 'fraction' ? findFraction(state, v.shape, v.fraction ?? 1, veto) : findSingle(state, v.shape, v.whole, veto);
          parts = p ? [p] : null;
        }
        if (parts) {
          const alloc = startAlloc(v, parts, t, endAt);
          state.allocate(alloc);
          heap.push(alloc);
          out[v.id] = t;
          unlink(i);
          if (reserved.delete(v.id)) book.cancel(v.id);
        } else if (!reserved.has(v.id) && book.size < maxReservations && form !== 'fraction') {
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
    state.release(first.jobId);
    while (heap.peek() !== undefined && (heap.peek() as Alloc).endAt <= t) state.release((heap.pop() as Alloc).jobId);
  }
  return out;
}

function startAlloc(v: JobView, parts: AllocPart[], t: EpochMs, endAt: EpochMs): Alloc {
  const first = parts[0] as AllocPart;
  return {
    jobId: v.id,
    account: v.job.account,
    user: v.job.user,
    leaf: v.leaf,
    qos: v.qosName,
    gpus: v.fraction ?? v.whole,
    parts,
    fraction: v.fraction,
    pool: first.node.pool,
    startedAt: t,
    endAt,
    preemptCount: v.preemptCount,
    checkpointable: v.job.checkpointable === true,
    stopping: false,
    planned: true,
  };
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
