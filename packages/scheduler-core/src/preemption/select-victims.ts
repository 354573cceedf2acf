/**
 * Stage 5, preemption: after the walk, for the blocked jobs in queue order,
 * find the cheapest set of running jobs whose stop would let the waiter fit
 * on one node, among those a strategy allows. Last because it is the most
 * expensive stage and only matters when GPUs are full.
 *
 * Victim choice per node: lowest QOS first, then youngest (least work lost),
 * then id; removed one at a time in a what-if until the waiter fits. Node
 * choice: fewest victims, then least GPU-time lost, then node name. The
 * freed node must not let a higher-priority blocked job jump in (it would
 * take the GPUs and the waiter would preempt again) and must not delay a
 * reservation. Victims stay allocated (marked stopping) so that the GPUs are
 * earmarked for this waiter; it starts in a later cycle, once they exit.
 */
import { planSingle } from '../backfill/plan-reservation';
import type { ReservationBook } from '../backfill/reservations';
import type { Alloc, NodeState } from '../cluster/state';
import type { JobView } from '../context';
import { pickGpus } from '../placement/pick-gpus';
import { findSingle } from '../placement/find';
import { nodeMatches, usableSize } from '../placement/shape';
import { jobForm } from '../stages/filter';
import type { Verdict } from '../stages/walk';
import type { Preemption, PreemptReason } from '../types';
import { type PreemptEnv, preemptReason, type Waiter } from './strategies';

interface Choice {
  node: NodeState;
  victims: { alloc: Alloc; reason: PreemptReason }[];
  lost: number;
}

export function planPreemptions(env: PreemptEnv, book: ReservationBook, blocked: readonly JobView[], verdicts: Map<string, Verdict>): Preemption[] {
  const { ctx, state } = env;
  const p = ctx.config.preemption;
  const out: Preemption[] = [];
  if (!p.enabled || blocked.length === 0) return out;
  // Static victim filter: running (not planned), not already stopping, past the minimum runtime.
  const minStart = ctx.now - p.minRuntimeSec * 1000;
  const victimNodes: NodeState[] = [];
  for (const node of state.nodes) {
    if (!node.schedulable) continue;
    for (const a of node.allocs) {
      if (!a.planned && !a.stopping && a.startedAt <= minStart) {
        victimNodes.push(node);
        break;
      }
    }
  }
  if (victimNodes.length === 0) return out;
  const stopping = [...state.allocs.values()].filter((a) => a.stopping).map((a) => a.jobId);
  const failed = new Map<string, number>();
  let waiters = 0;
  let attempts = 0;
  // Higher-priority blocked jobs, reduced to the smallest request per shape.
  const higher = new Map<string, { shape: JobView['shape']; whole: number; fraction: boolean }>();
  const noteHigher = (h: JobView) => {
    if (jobForm(h) === 'gang') return;
    const k = h.shape.key;
    const e = higher.get(k);
    if (!e) higher.set(k, { shape: h.shape, whole: h.whole, fraction: h.fraction !== null });
    else {
      e.whole = Math.min(e.whole, h.whole);
      e.fraction ||= h.fraction !== null;
    }
  };
  for (let bi = 0; bi < blocked.length; bi++) {
    const w = blocked[bi] as JobView;
    if (bi > 0) noteHigher(blocked[bi - 1] as JobView);
    if (waiters >= p.maxWaitersPerCycle || attempts >= 4 * p.maxWaitersPerCycle) break;
    if (jobForm(w) !== 'single') continue;
    const memo = `${w.leaf}\u0000${w.shape.key}\u0000${w.qosName}\u0000${w.preemptCount > 0}`;
    if ((failed.get(memo) ?? Number.POSITIVE_INFINITY) <= w.whole) continue;
    attempts++;
    // GPUs already being freed may be enough: then wait for them rather than stop more.
    if (stopping.length > 0) {
      const revert = state.simulateRemoval(stopping);
      try {
        if (findSingle(state, w.shape, w.whole, null)) {
          verdicts.set(w.id, { reason: 'Preempting', estimatedStart: null });
          continue;
        }
      } finally {
        revert();
      }
    }
    // When would it start without preemption? Its reservation, or a plan made now.
    let expectedStart = verdicts.get(w.id)?.estimatedStart ?? null;
    if (expectedStart === null) expectedStart = planSingle(state, book, w.shape, w.whole, w.limitMs)?.start ?? Number.POSITIVE_INFINITY;
    const waiter: Waiter = { job: w, expectedStart };
    let best: Choice | null = null;
    for (const node of victimNodes) {
      if (!nodeMatches(node, w.shape.pool, w.shape.model, w.shape.selector)) continue;
      // Cheap necessary condition before any what-if: enough GPUs among allowed victims right now.
      let room = node.free;
      for (const a of node.allocs) if (!a.planned && !a.stopping && a.parts.length === 1 && preemptReason(env, waiter, a, node)) room += Math.ceil(a.gpus);
      if (room < w.whole) continue;
      const c = victimsOn(env, book, waiter, node, higher.values());
      if (c && (best === null || better(c, best))) best = c;
    }
    if (!best) {
      failed.set(memo, Math.min(failed.get(memo) ?? Number.POSITIVE_INFINITY, w.whole));
      continue;
    }
    waiters++;
    for (const { alloc, reason } of best.victims) {
      alloc.stopping = true;
      stopping.push(alloc.jobId);
      out.push({ jobId: alloc.jobId, reason, forJobId: w.id });
    }
    const prev = verdicts.get(w.id);
    verdicts.set(w.id, { reason: 'Preempting', estimatedStart: prev?.estimatedStart ?? null, detail: best.victims.map((x) => x.alloc.jobId).join(',') });
  }
  return out;
}

function better(a: Choice, b: Choice): boolean {
  if (a.victims.length !== b.victims.length) return a.victims.length < b.victims.length;
  if (a.lost !== b.lost) return a.lost < b.lost;
  return a.node.idx < b.node.idx;
}

const preference = (x: { alloc: Alloc; qosPriority: number }, y: { alloc: Alloc; qosPriority: number }) =>
  x.qosPriority - y.qosPriority || y.alloc.startedAt - x.alloc.startedAt || (x.alloc.jobId < y.alloc.jobId ? -1 : 1);

type Higher = { shape: JobView['shape']; whole: number; fraction: boolean };

function victimsOn(env: PreemptEnv, book: ReservationBook, waiter: Waiter, node: NodeState, higher: Iterable<Higher>): Choice | null {
  const { ctx, state } = env;
  const w = waiter.job;
  const chosen: Choice['victims'] = [];
  const reverts: (() => void)[] = [];
  try {
    for (;;) {
      if (pickGpus(node, w.whole, w.shape.model)) break;
      let pick: { alloc: Alloc; reason: PreemptReason; qosPriority: number } | null = null;
      for (const a of node.allocs) {
        if (a.planned || a.stopping || a.parts.length > 1) continue;
        const reason = preemptReason(env, waiter, a, node);
        if (!reason) continue;
        const cand = { alloc: a, reason, qosPriority: ctx.config.qos[a.qos]?.priority ?? 0 };
        if (pick === null || preference(cand, pick) < 0) pick = cand;
      }
      if (!pick) return null;
      chosen.push({ alloc: pick.alloc, reason: pick.reason });
      reverts.push(state.simulateRemoval([pick.alloc.jobId]));
    }
    if (chosen.length === 0) return null;
    // Would the waiter's start delay a reservation, or would a higher blocked job grab the GPUs?
    if (!book.fitsNow(node, w.whole, ctx.now + w.limitMs, usableSize(node, w.shape.model), w.id)) return null;
    for (const h of higher) {
      if (!nodeMatches(node, h.shape.pool, h.shape.model, h.shape.selector)) continue;
      if (h.fraction || pickGpus(node, h.whole, h.shape.model)) return null;
    }
    let lost = 0;
    for (const c of chosen) lost += c.alloc.gpus * (ctx.now - c.alloc.startedAt);
    return { node, victims: chosen, lost };
  } finally {
    for (let i = reverts.length - 1; i >= 0; i--) (reverts[i] as () => void)();
  }
}
