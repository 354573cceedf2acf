/**
 * Preemption strategies: small typed functions, each answering "may waiting
 * job W stop running job V, and why?" against the current (what-if) state.
 * Tried in order; the first that says yes names the reason. Victim *choice*
 * (which of the allowed ones, on which node) is in select-victims.ts, the
 * fair-share numbers in accounts/; this file only holds the rules.
 *
 * Anti-thrash, by construction:
 *  - nothing is preempted before `minRuntimeSec`; time-slicing waits a full
 *    `sliceQuantumSec`, and stops a job at most `maxPreemptionsPerJob` times;
 *  - a job that cannot checkpoint is time-sliced only while the work it would
 *    lose is bounded (`maxLostWorkSec`) and no more than what it has left;
 *  - time-slicing only serves a waiter that would otherwise wait at least
 *    `minWaitSec` (checked by the stage against its reservation);
 *  - time-slicing compares the two sides where their account paths diverge
 *    and needs  (alloc(W side) + W) / shares  <=  (alloc(V side) - V) / shares,
 *    i.e. after the swap the waiter's side is still not better served than
 *    the victim's, so the reverse swap cannot be justified right after;
 *  - a requeued job never triggers time-slicing (unless configured), so a
 *    victim can never preempt the job it yielded to: no preemption loops;
 *  - reclaim needs the waiter within its guarantee and the victim borrowed
 *    (above its own): after it the victim's side still holds its guarantee.
 */
import { divergingChildren, type TreeNode } from '../accounts/tree';
import type { Alloc, ClusterState, NodeState } from '../cluster/state';
import type { CycleContext, JobView } from '../context';
import type { QuotaBook } from '../stages/quota';
import type { EpochMs, PreemptReason } from '../types';

export interface PreemptEnv {
  readonly ctx: CycleContext;
  readonly state: ClusterState;
  readonly quota: QuotaBook;
  /**
   * GPUs per tree node that swaps decided earlier in this cycle will move (victims' side
   * minus, waiters' side plus): the share rule sees the cluster as it will be.
   */
  readonly swaps: Float64Array;
}

/** The waiting job and when it would start without preemption. */
export interface Waiter {
  readonly job: JobView;
  readonly expectedStart: EpochMs;
}

export type Strategy = (env: PreemptEnv, waiter: Waiter, victim: Alloc, node: NodeState) => PreemptReason | null;

const runtimeSec = (env: PreemptEnv, v: Alloc) => (env.ctx.now - v.startedAt) / 1000;

export const reclaimBorrowed: Strategy = (env, { job: w }, v, node) => {
  if (!env.quota.borrowed.has(v.jobId)) return null;
  if (runtimeSec(env, v) < env.ctx.config.preemption.minRuntimeSec) return null;
  if (!env.quota.withinGuarantee(w, node.pool)) return null;
  const hw = env.quota.holder(w.leaf, node.pool);
  const hv = env.quota.holder(v.leaf, v.pool);
  return hw.node === hv.node ? null : 'ReclaimBorrowed';
};

export const qosPreempt: Strategy = (env, { job: w }, v) => {
  const vq = env.ctx.config.qos[v.qos];
  if (!vq?.preemptible || !w.qos?.canPreempt.includes(v.qos) || v.qos === w.qosName) return null;
  return runtimeSec(env, v) >= env.ctx.config.preemption.minRuntimeSec ? 'QosPreempt' : null;
};

export const fairShareTimeSlice: Strategy = (env, { job: w, expectedStart }, v) => {
  const { config, tree, now } = env.ctx;
  const p = config.preemption;
  if (config.queueOrder === 'fifo') return null;
  if (expectedStart < now + p.minWaitSec * 1000) return null;
  const vq = config.qos[v.qos];
  if (!vq?.preemptible || vq.priority > w.qosPriority) return null;
  if (w.preemptCount > 0 && !p.requeuedMayPreempt) return null;
  if (v.preemptCount >= p.maxPreemptionsPerJob) return null;
  const ran = runtimeSec(env, v);
  if (ran < Math.max(p.sliceQuantumSec, p.minRuntimeSec)) return null;
  if (!v.checkpointable && (ran > p.maxLostWorkSec || (v.endAt - env.ctx.now) / 1000 < ran)) return null;
  const pair = divergingChildren(tree, w.leaf, v.leaf);
  if (!pair) return null;
  const [a, b] = pair;
  const sa = (tree.nodes[a] as TreeNode).shares;
  const sb = (tree.nodes[b] as TreeNode).shares;
  if (!(sa > 0)) return null;
  const waiterSide = (env.state.allocTotal[a] as number) + (env.swaps[a] as number) + w.gpus;
  const victimSide = (env.state.allocTotal[b] as number) + (env.swaps[b] as number) - v.gpus;
  if (!(sb > 0)) return 'FairShareTimeSlice';
  return waiterSide / sa <= victimSide / sb + 1e-9 ? 'FairShareTimeSlice' : null;
};

/**
 * Could any strategy ever stop this job, whoever waits? (Cheap per-cycle filter; the
 * strategies above decide per waiter.)
 */
export function couldBeVictim(env: PreemptEnv, v: Alloc, qosPreemptable: ReadonlySet<string>): boolean {
  // Whole-GPU, single-node jobs only: stopping a gang, a shared fraction or a CPU-only job frees no whole GPU here.
  if (v.planned || v.stopping || v.parts.length !== 1 || v.fraction !== null || v.gpus === 0) return false;
  const p = env.ctx.config.preemption;
  const ran = runtimeSec(env, v);
  if (ran < p.minRuntimeSec) return false;
  if (env.quota.borrowed.has(v.jobId) || qosPreemptable.has(v.qos)) return true;
  if (env.ctx.config.queueOrder === 'fifo' || !env.ctx.config.qos[v.qos]?.preemptible) return false;
  if (ran < p.sliceQuantumSec || v.preemptCount >= p.maxPreemptionsPerJob) return false;
  return v.checkpointable || (ran <= p.maxLostWorkSec && (v.endAt - env.ctx.now) / 1000 >= ran);
}

/** In order of precedence. */
export const STRATEGIES: readonly Strategy[] = [reclaimBorrowed, qosPreempt, fairShareTimeSlice];

export function preemptReason(env: PreemptEnv, w: Waiter, v: Alloc, node: NodeState): PreemptReason | null {
  for (const s of STRATEGIES) {
    const r = s(env, w, v, node);
    if (r) return r;
  }
  return null;
}
