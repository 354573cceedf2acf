/**
 * Multifactor priority (like Slurm's priority/multifactor): each factor in
 * [0,1], multiplied by its weight, plus the admin's base priority. Computed
 * before ordering because ordering is just "sort by this number" plus
 * tie-breaks; kept separate from fair-share arithmetic (which only supplies
 * the fair-share factor) and from victim selection.
 */
import type { SchedulerConfig } from './config';
import type { EpochMs, PendingJob } from './types';

export interface PriorityFactors {
  fairshare: number;
  age: number;
  jobSize: number;
  qos: number;
}

export interface PriorityBreakdown {
  /** base + sum of weighted factors. */
  total: number;
  /** Admin-set base priority of the job. */
  base: number;
  /** Each factor in [0,1]. */
  factors: PriorityFactors;
  /** Each factor times its weight. */
  weighted: PriorityFactors;
}

/** Ages are taken at the last multiple of the calculation period, so they change in steps. */
export function priorityTime(now: EpochMs, config: SchedulerConfig): EpochMs {
  const p = config.priority.calcPeriodSec * 1000;
  return p > 0 ? Math.floor(now / p) * p : now;
}

export function ageFactor(job: PendingJob, at: EpochMs, config: SchedulerConfig): number {
  const max = config.priority.maxAgeSec * 1000;
  if (!(max > 0)) return 1;
  return Math.min(1, Math.max(0, at - job.submittedAt) / max);
}

/**
 * Log-scaled size against the cluster; 1 = smallest job when favouring small ones.
 * By GPUs: against all GPUs. By GPU-time: GPU-minutes against the whole cluster for a week.
 */
export function jobSizeFactor(job: Pick<PendingJob, 'gpus' | 'timeLimitSec'>, clusterGpus: number, config: SchedulerConfig): number {
  const cluster = Math.max(1, clusterGpus);
  const large =
    config.priority.sizeBasis === 'gpuTime'
      ? Math.log2(1 + rawJobSize(job, config) / 60) / Math.log2(1 + (cluster * 7 * 24 * 3600) / 60)
      : Math.log2(1 + rawJobSize(job, config)) / Math.log2(1 + cluster);
  const f = Math.min(1, Math.max(0, large));
  return config.priority.favorSmall ? 1 - f : f;
}

/** GPUs, or GPU-seconds of the time limit. */
export function rawJobSize(job: Pick<PendingJob, 'gpus' | 'timeLimitSec'>, config: SchedulerConfig): number {
  const g = Math.max(0, job.gpus);
  return config.priority.sizeBasis === 'gpuTime' ? g * Math.max(0, job.timeLimitSec) : g;
}

/** Relative scale: each distinct size's rank among the pending sizes, in [0,1]. */
export function relativeSizeFactors(sizes: readonly number[], config: SchedulerConfig): Map<number, number> {
  const distinct = [...new Set(sizes)].sort((a, b) => a - b);
  const out = new Map<number, number>();
  const span = Math.max(1, distinct.length - 1);
  for (const [i, s] of distinct.entries()) out.set(s, config.priority.favorSmall ? 1 - i / span : i / span);
  return out;
}

export function priorityOf(factors: PriorityFactors, base: number, config: SchedulerConfig): number {
  const w = config.priority.weights;
  return base + w.fairshare * factors.fairshare + w.age * factors.age + w.jobSize * factors.jobSize + w.qos * factors.qos;
}

export function breakdown(factors: PriorityFactors, base: number, config: SchedulerConfig): PriorityBreakdown {
  const w = config.priority.weights;
  return {
    total: priorityOf(factors, base, config),
    base,
    factors: { ...factors },
    weighted: {
      fairshare: w.fairshare * factors.fairshare,
      age: w.age * factors.age,
      jobSize: w.jobSize * factors.jobSize,
      qos: w.qos * factors.qos,
    },
  };
}
