/**
 * One scheduling cycle: a pure function of its arguments. The pipeline, in
 * order (each stage one file, cheap before expensive):
 *
 *   context      tree + fair-share + priorities + shapes       context.ts
 *   1 filter     static verdicts (QOS, dependency, sizes)      stages/filter.ts
 *   2 order      numbered queue-order criteria, account heads   queue-order.ts
 *   3 quota      per job, in order, inside the walk            stages/quota.ts
 *   4a exact     head jobs that exactly fill a node's free     backfill/exact-fit.ts
 *                GPUs, delaying no reservation of the walk
 *   4 walk       place (best fit, NVLink, gang, fraction),     stages/walk.ts
 *                reserve for top blocked jobs, backfill
 *   5 preempt    reclaim / QOS / time-slice for blocked jobs   preemption/
 *   6 explain    reason, positions, estimate, breakdown        stages/explain.ts
 */
import type { PendingReason } from '@sluice/contracts';
import { reportFromStanding } from './accounts/fairshare-report';
import { placeExactFits } from './backfill/exact-fit';
import { ReservationBook } from './backfill/reservations';
import type { SchedulerConfig } from './config';
import { buildContext, type CycleContext, type JobView } from './context';
import { planPreemptions } from './preemption/select-victims';
import { priorityTime } from './priority';
import { compareFifo, compareQueueOrder, headsFirst, starvingFirst } from './queue-order';
import { explainPending } from './stages/explain';
import { staticReason } from './stages/filter';
import { QuotaBook } from './stages/quota';
import { walkQueue } from './stages/walk';
import type { ClusterSnapshot, CycleResult, EpochMs, Rng } from './types';

/**
 * `rng` is part of the contract so that a logged (snapshot, seed) always
 * replays; the current policy breaks every tie by id and draws nothing.
 */
export function runCycle(snapshot: ClusterSnapshot, config: SchedulerConfig, now: EpochMs, _rng: Rng): CycleResult {
  const ctx = buildContext(snapshot, config, now);
  const staticReasons: (PendingReason | null)[] = new Array(ctx.jobs.length);
  let staticCount = 0;
  for (const v of ctx.jobs) {
    const r = staticReason(ctx, v);
    staticReasons[v.index] = r;
    if (r !== null) staticCount++;
  }
  const order = sortQueue(ctx.jobs, config, now, (v) => staticReasons[v.index] === null);
  const quota = new QuotaBook(ctx, ctx.state);
  const exact = placeExactFits(ctx, order, staticReasons, quota);
  const book = new ReservationBook(now);
  const walk = walkQueue(ctx, order, staticReasons, quota, book, { started: new Set(exact.map((s) => s.jobId)) });
  walk.starts.unshift(...exact);
  const preempt = planPreemptions({ ctx, state: ctx.state, quota, swaps: new Float64Array(ctx.tree.nodes.length) }, book, walk.blocked, walk.verdicts);
  const started = new Set(walk.starts.map((s) => s.jobId));
  const pending = explainPending(ctx, order, started, walk.verdicts);
  const result: CycleResult = {
    plan: { start: walk.starts, preempt, reservations: book.list },
    pending,
    wakeAt: wakeAt(ctx, walk.starts.length + preempt.length > 0 || walk.truncated, walk.blocked.length > 0, order.length - started.size - staticCount > 0),
  };
  if (config.explainDetail) result.fairshare = reportFromStanding(ctx.tree, ctx.fairshare, snapshot);
  return result;
}

/**
 * The queue order at `now` (queue-order.ts); `eligible` says which jobs may be their account's
 * head or starving.
 */
export function sortQueue(jobs: readonly JobView[], config: SchedulerConfig, now: EpochMs, eligible: (v: JobView) => boolean = () => true): JobView[] {
  if (config.queueOrder === 'fifo') return [...jobs].sort(compareFifo);
  const sorted = [...jobs].sort(compareQueueOrder);
  const headed = config.priority.accountHeadsFirst
    ? headsFirst(sorted, (v) => (eligible(v) ? { account: v.job.account, qosPriority: v.qosPriority, fairshare: v.factors.fairshare } : null))
    : sorted;
  const limits = config.priority.starvationLimits;
  if (!(limits > 0)) return headed;
  const at = priorityTime(now, config);
  return starvingFirst(headed, (v) => eligible(v) && at - v.submittedAt >= limits * v.limitMs);
}

/**
 * When could a cycle without new events decide differently? Only through time:
 * priorities (recalculated at calc-period boundaries, when usage is updated
 * too), running jobs crossing the minimum runtime or slice quantum (new
 * victims), or jobs past their time limit (their end is "now"). Backfill
 * windows only shrink as time passes, so they never unblock anything.
 */
function wakeAt(ctx: CycleContext, acted: boolean, blocked: boolean, waiting: boolean): EpochMs | null {
  const { config, now } = ctx;
  const tick = now + config.cycleSec * 1000;
  // It acted (or hit the start cap): the applied plan changes the state, look again at once.
  if (acted) return now;
  if (!waiting) return null;
  let wake = Number.POSITIVE_INFINITY;
  const period = config.priority.calcPeriodSec * 1000;
  if (config.queueOrder === 'priority' && period > 0) wake = (Math.floor(now / period) + 1) * period;
  const p = config.preemption;
  for (const a of ctx.state.allocs.values()) {
    if (a.planned) continue;
    if (a.endAt <= now + 1) return tick;
    if (!p.enabled || !blocked || a.stopping) continue;
    const t1 = a.startedAt + p.minRuntimeSec * 1000;
    const t2 = a.startedAt + Math.max(p.minRuntimeSec, p.sliceQuantumSec) * 1000;
    if (t1 > now) wake = Math.min(wake, t1);
    else if (t2 > now) wake = Math.min(wake, t2);
  }
  return Number.isFinite(wake) ? Math.max(wake, now + 1) : null;
}
