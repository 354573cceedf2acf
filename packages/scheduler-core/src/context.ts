/**
 * The immutable context of one cycle, built once and passed down every stage:
 * config, time, the account tree with its fair-share standing, QOS table, and
 * one JobView per pending job (its resolved QOS, tree leaf, shape and
 * priority). Stages read it; only ClusterState and the books change.
 */
import { computeFairshare, type FairshareStanding } from './accounts/fairshare';
import { type AccountTree, buildAccountTree } from './accounts/tree';
import { ClusterState } from './cluster/state';
import type { QosSpec, SchedulerConfig } from './config';
import { type Shape, ShapeCache } from './placement/shape';
import { ageFactor, jobSizeFactor, type PriorityFactors, priorityOf, priorityTime, rawJobSize, relativeSizeFactors } from './priority';
import type { ClusterSnapshot, EpochMs, PendingJob } from './types';

export interface JobView {
  /** Position in `snapshot.pending` (per-cycle arrays are indexed by it). */
  readonly index: number;
  readonly id: string;
  readonly submittedAt: EpochMs;
  readonly job: PendingJob;
  readonly qosName: string;
  /** null when the job names a QOS the config does not define. */
  readonly qos: QosSpec | null;
  readonly qosPriority: number;
  readonly leaf: number;
  /** GPUs asked for (a fraction below 1 for a shared GPU). */
  readonly gpus: number;
  /** Whole GPUs to find: the count, or 1 for a fraction. */
  readonly whole: number;
  readonly fraction: number | null;
  readonly limitMs: number;
  readonly shape: Shape;
  readonly preemptCount: number;
  readonly factors: PriorityFactors;
  readonly priority: number;
}

export interface CycleContext {
  readonly config: SchedulerConfig;
  readonly now: EpochMs;
  readonly snapshot: ClusterSnapshot;
  readonly tree: AccountTree;
  readonly fairshare: FairshareStanding;
  readonly state: ClusterState;
  readonly shapes: ShapeCache;
  readonly jobs: readonly JobView[];
  readonly clusterGpus: number;
  /** Ids of every pending and running job (for dependencies; empty when no job has any). */
  readonly liveIds: ReadonlySet<string>;
}

export function buildContext(snapshot: ClusterSnapshot, config: SchedulerConfig, now: EpochMs): CycleContext {
  const tree = buildAccountTree(snapshot);
  const fairshare = computeFairshare(tree, config.fairshare.algorithm);
  const state = new ClusterState(tree, snapshot, config, now);
  const shapes = new ShapeCache(state);
  let clusterGpus = 0;
  for (const n of state.nodes) if (n.schedulable) clusterGpus += n.size;
  let qosMax = 0;
  for (const q of Object.values(config.qos)) qosMax = Math.max(qosMax, q.priority);
  const at = priorityTime(now, config);
  const fifo = config.queueOrder === 'fifo';
  const jobs: JobView[] = new Array(snapshot.pending.length);
  // The relative size scale ranks all pending sizes; skip it when nothing reads it (fifo without detail).
  const relative = config.priority.sizeScale === 'relative' && (!fifo || config.explainDetail) ? relativeSizeFactors(snapshot.pending.map((j) => rawJobSize(j, config)), config) : null;
  for (let i = 0; i < snapshot.pending.length; i++) {
    const job = snapshot.pending[i] as PendingJob;
    const qosName = job.qos ?? config.defaultQos;
    const qos = config.qos[qosName] ?? null;
    const leaf = tree.leaf(job.account, job.user);
    const fraction = job.gpus > 0 && job.gpus < 1 ? job.gpus : null;
    const factors: PriorityFactors = {
      fairshare: fairshare.factor[leaf] as number,
      age: ageFactor(job, at, config),
      jobSize: relative ? (relative.get(rawJobSize(job, config)) ?? 0) : jobSizeFactor(job, clusterGpus, config),
      qos: qos && qosMax > 0 ? qos.priority / qosMax : 0,
    };
    jobs[i] = {
      index: i,
      id: job.id,
      submittedAt: job.submittedAt,
      job,
      qosName,
      qos,
      qosPriority: qos?.priority ?? 0,
      leaf,
      gpus: job.gpus,
      whole: fraction !== null ? 1 : Math.ceil(job.gpus),
      fraction,
      limitMs: Math.max(1, job.timeLimitSec) * 1000,
      shape: shapes.of(job),
      preemptCount: job.preemptCount ?? 0,
      factors,
      priority: fifo ? 0 : priorityOf(factors, job.basePriority, config),
    };
  }
  const liveIds = new Set<string>();
  if (snapshot.pending.some((j) => j.dependsOn !== undefined && j.dependsOn.length > 0)) {
    for (const j of snapshot.pending) liveIds.add(j.id);
    for (const j of snapshot.running) liveIds.add(j.id);
  }
  return { config, now, snapshot, tree, fairshare, state, shapes, jobs, clusterGpus, liveIds };
}
