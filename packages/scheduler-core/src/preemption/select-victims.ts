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
import { earliestFreeing } from '../backfill/plan-reservation';
import type { ReservationBook } from '../backfill/reservations';
import type { Alloc, AllocPart, GpuState, NodeState } from '../cluster/state';
import type { JobView } from '../context';
import { findSingle } from '../placement/find';
import { pickGpus } from '../placement/pick-gpus';
import { nodeMatches, usableSize } from '../placement/shape';
import { jobForm } from '../stages/filter';
import type { Verdicts } from '../stages/verdicts';
import type { Preemption, PreemptReason } from '../types';
import { couldBeVictim, type PreemptEnv, preemptReason, type Waiter } from './strategies';

interface Choice {
  node: NodeState;
  victims: { alloc: Alloc; reason: PreemptReason }[];
  lost: number;
}

export function planPreemptions(env: PreemptEnv, book: ReservationBook, blocked: readonly JobView[], verdicts: Verdicts): Preemption[] {
  const { ctx, state } = env;
  const p = ctx.config.preemption;
  const out: Preemption[] = [];
  if (!p.enabled || blocked.length === 0) return out;
  // Static victim filter, once per cycle: jobs some strategy could stop for some waiter, by node.
  const preemptable = new Set(Object.values(ctx.config.qos).flatMap((q) => q.canPreempt));
  const victimsByNode = new Map<NodeState, Alloc[]>();
  for (const node of state.nodes) {
    if (!node.schedulable) continue;
    for (const a of node.allocs) {
      if (!couldBeVictim(env, a, preemptable)) continue;
      const list = victimsByNode.get(node);
      if (list) list.push(a);
      else victimsByNode.set(node, [a]);
    }
  }
  if (victimsByNode.size === 0) return out;
  // Jobs told to stop in earlier cycles (victims chosen in this one are earmarked for their waiter).
  const stopping = [...state.allocs.values()].filter((a) => a.stopping).map((a) => a.jobId);
  // Is any running job in a QOS that some QOS may preempt?
  const qosVictims = [...state.allocs.values()].some((a) => preemptable.has(a.qos) && !a.planned && !a.stopping);
  const bounds = new Map<string, number>();
  // Waiters that found no victims, by (user leaf, shape, QOS, requeued): a later one of the same kind,
  // asking as much or more, cannot do better in this cycle.
  const failed = new FailMemo();
  let waiters = 0;
  let attempts = 0;
  // Higher-priority blocked jobs, reduced to the smallest request per shape.
  const higher = new Map<string, { shape: JobView['shape']; whole: number; fraction: boolean }>();
  const noteHigher = (h: JobView) => {
    // A waiter already served (GPUs being freed for it) does not compete for the next ones.
    if (jobForm(h) === 'gang' || jobForm(h) === 'cpu' || verdicts.reason(h) === 'Preempting') return;
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
    // Only the head of the blocked list competes for preemption in one cycle (bounded work).
    if (waiters >= p.maxWaitersPerCycle || attempts >= 2 * p.maxWaitersPerCycle || bi >= 8 * p.maxWaitersPerCycle) break;
    if (jobForm(w) !== 'single') continue;
    if (failed.covers(w)) continue;
    attempts++;
    // GPUs already being freed may be enough: then wait for them rather than stop more.
    if (stopping.length > 0) {
      const revert = state.simulateRemoval(stopping);
      try {
        if (findSingle(state, w.shape, w.whole, null)) {
          verdicts.set(w, 'Preempting');
          continue;
        }
      } finally {
        revert();
      }
    }
    // Which strategies could apply at all? Time-slicing needs a patient waiter: when would it
    // start without preemption? Its reservation, else a lower bound (when running jobs free
    // enough GPUs on some node, reservations ignored), which errs towards not preempting.
    let expectedStart = Number.NEGATIVE_INFINITY;
    if (ctx.config.queueOrder !== 'fifo' && (w.preemptCount === 0 || p.requeuedMayPreempt)) {
      const key = `${w.shape.key}\u0000${w.whole}`;
      const known = verdicts.estimate(w) ?? bounds.get(key);
      expectedStart = known ?? earliestFreeing(state, book, w.shape, w.whole);
      if (verdicts.estimate(w) === null && known === undefined) bounds.set(key, expectedStart);
    }
    const timeSlice = expectedStart >= ctx.now + p.minWaitSec * 1000;
    if (!timeSlice && !env.quota.hasGuarantees && !(w.qos?.canPreempt.length && qosVictims)) continue;
    const waiter: Waiter = { job: w, expectedStart };
    const choices: Choice[] = [];
    for (const [node, candidates] of victimsByNode) {
      if (!nodeMatches(node, w.shape.pool, w.shape.model, w.shape.selector)) continue;
      // Cheap necessary condition first: enough GPUs among allowed victims right now.
      let room = node.free;
      for (const a of candidates) if (!a.stopping && preemptReason(env, waiter, a, node)) room += Math.ceil(a.gpus);
      if (room < w.whole) continue;
      const c = dryVictims(env, waiter, node, candidates);
      if (c) choices.push(c);
    }
    // Cheapest first; the first that survives the real what-if wins.
    choices.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
    const best = choices.find((c) => holds(env, book, waiter, c, higher.values())) ?? null;
    if (!best) {
      failed.add(w);
      continue;
    }
    waiters++;
    for (const { alloc, reason } of best.victims) {
      alloc.stopping = true;
      out.push({ jobId: alloc.jobId, reason, forJobId: w.id });
      shift(env, alloc.leaf, -alloc.gpus);
    }
    shift(env, w.leaf, w.gpus);
    verdicts.set(
      w,
      'Preempting',
      verdicts.estimate(w),
      best.victims.map((x) => x.alloc.jobId).join(','),
    );
  }
  return out;
}

/** Record a decided swap along the path from `leaf` to the root. */
function shift(env: PreemptEnv, leaf: number, gpus: number): void {
  const nodes = env.ctx.tree.nodes;
  for (let i = leaf; i >= 0; i = (nodes[i] as { parent: number }).parent) env.swaps[i] = (env.swaps[i] as number) + gpus;
}

class FailMemo {
  private readonly byLeaf = new Map<number, Map<string, number>>();

  private key(w: JobView): string {
    return w.preemptCount > 0 ? `${w.qosName}\u0001${w.shape.key}` : `${w.qosName}\u0000${w.shape.key}`;
  }

  covers(w: JobView): boolean {
    const m = this.byLeaf.get(w.leaf);
    return m !== undefined && (m.get(this.key(w)) ?? Number.POSITIVE_INFINITY) <= w.whole;
  }

  add(w: JobView): void {
    let m = this.byLeaf.get(w.leaf);
    if (!m) {
      m = new Map();
      this.byLeaf.set(w.leaf, m);
    }
    const k = this.key(w);
    m.set(k, Math.min(m.get(k) ?? Number.POSITIVE_INFINITY, w.whole));
  }
}

function better(a: Choice, b: Choice): boolean {
  if (a.victims.length !== b.victims.length) return a.victims.length < b.victims.length;
  if (a.lost !== b.lost) return a.lost < b.lost;
  return a.node.idx < b.node.idx;
}

const preference = (x: { alloc: Alloc; qosPriority: number }, y: { alloc: Alloc; qosPriority: number }) =>
  x.qosPriority - y.qosPriority || y.alloc.startedAt - x.alloc.startedAt || (x.alloc.jobId < y.alloc.jobId ? -1 : 1);

type Higher = { shape: JobView['shape']; whole: number; fraction: boolean };

/**
 * The victims on `node` a waiter would need, chosen without touching the state:
 * free GPUs are counted per NVLink domain (of the waiter's model), and the share
 * rule sees each chosen victim as gone through `env.swaps`.
 */
function dryVictims(env: PreemptEnv, waiter: Waiter, node: NodeState, candidates: readonly Alloc[]): Choice | null {
  const { ctx } = env;
  const w = waiter.job;
  const model = w.shape.model;
  const free = new FreeCount(node, model, w.whole);
  for (const g of node.gpus) if (g.holder === null && g.sharedUsed === 0) free.add(g);
  const chosen: Choice['victims'] = [];
  try {
    while (!free.fits()) {
      let pick: { alloc: Alloc; reason: PreemptReason; qosPriority: number } | null = null;
      for (const a of candidates) {
        if (a.stopping || chosen.some((c) => c.alloc === a)) continue;
        const reason = preemptReason(env, waiter, a, node);
        if (!reason) continue;
        const cand = { alloc: a, reason, qosPriority: ctx.config.qos[a.qos]?.priority ?? 0 };
        if (pick === null || preference(cand, pick) < 0) pick = cand;
      }
      if (!pick) return null;
      chosen.push({ alloc: pick.alloc, reason: pick.reason });
      for (const g of (pick.alloc.parts[0] as AllocPart).gpus) free.add(g);
      shift(env, pick.alloc.leaf, -pick.alloc.gpus);
    }
  } finally {
    for (const c of chosen) shift(env, c.alloc.leaf, c.alloc.gpus);
  }
  if (chosen.length === 0) return null;
  let lost = 0;
  for (const c of chosen) lost += c.alloc.gpus * (ctx.now - c.alloc.startedAt);
  return { node, victims: chosen, lost };
}

/** Free GPUs of one node for one waiter, per NVLink domain when the waiter must fit in one. */
class FreeCount {
  private readonly perDomain = new Map<string, number>();
  private total = 0;
  private readonly oneDomain: boolean;

  constructor(
    node: NodeState,
    private readonly model: string | null,
    private readonly need: number,
  ) {
    this.oneDomain = node.maxDomainSize > 0 && need <= node.maxDomainSize;
  }

  add(g: GpuState): void {
    if (this.model !== null && g.model !== this.model) return;
    this.total++;
    if (this.oneDomain) {
      const d = g.domain ?? '';
      this.perDomain.set(d, (this.perDomain.get(d) ?? 0) + 1);
    }
  }

  fits(): boolean {
    if (!this.oneDomain) return this.total >= this.need;
    for (const n of this.perDomain.values()) if (n >= this.need) return true;
    return false;
  }
}

/**
 * A dry choice checked in a what-if on the real state: the waiter really fits,
 * its start would delay no reservation, and no higher-priority blocked job could
 * take the freed GPUs instead.
 */
function holds(env: PreemptEnv, book: ReservationBook, waiter: Waiter, choice: Choice, higher: Iterable<Higher>): boolean {
  const { ctx, state } = env;
  const w = waiter.job;
  const node = choice.node;
  const revert = state.simulateRemoval(choice.victims.map((v) => v.alloc.jobId));
  try {
    if (!pickGpus(node, w.whole, w.shape.model)) return false;
    if (!book.fitsNow(node, w.whole, ctx.now + w.limitMs, usableSize(node, w.shape.model), w.id)) return false;
    for (const h of higher) {
      if (!nodeMatches(node, h.shape.pool, h.shape.model, h.shape.selector)) continue;
      if (h.fraction || pickGpus(node, h.whole, h.shape.model)) return false;
    }
    return true;
  } finally {
    revert();
  }
}
