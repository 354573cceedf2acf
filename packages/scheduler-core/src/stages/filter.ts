/**
 * Stage 1, static filters: verdicts that need no search and do not change
 * within a cycle (unknown QOS, dependency, wall time, sizes no node or pool can
 * ever hold). First in the pipeline because they are the cheapest and they
 * keep hopeless jobs out of reservations and preemption.
 */
import type { PendingReason } from '@sluice/contracts';
import type { CycleContext, JobView } from '../context';

/** One node's GPUs, whole nodes (gang), a share of one GPU, or no GPU at all (CPU and memory only). */
export type JobForm = 'single' | 'gang' | 'fraction' | 'cpu';

export function jobForm(v: JobView): JobForm {
  if (v.fraction !== null) return 'fraction';
  if (v.whole === 0) return 'cpu';
  return v.whole > v.shape.maxAll ? 'gang' : 'single';
}

/** With `ignoreDependencies`: the verdict the job would get once its dependencies are gone. */
export function staticReason(ctx: CycleContext, v: JobView, ignoreDependencies = false): PendingReason | null {
  if (!v.qos) return 'InvalidQos';
  if (!ignoreDependencies && liveDependencies(ctx, v).length > 0) return 'Dependency';
  if (v.qos.maxWallSec !== null && v.job.timeLimitSec > v.qos.maxWallSec) return 'WallTimeLimit';
  if (!(v.gpus >= 0) || !Number.isFinite(v.gpus) || (v.fraction === null && !Number.isInteger(v.gpus))) return 'Unplaceable';
  if ((v.qos.maxGpusPerUser !== null && v.gpus > v.qos.maxGpusPerUser) || (v.qos.maxGpusPerAccount !== null && v.gpus > v.qos.maxGpusPerAccount)) {
    return 'QosLimit';
  }
  const s = v.shape;
  switch (jobForm(v)) {
    case 'cpu':
      if (s.nodesAll === 0) return 'Unplaceable';
      return s.nodesUp === 0 ? 'NodeDown' : null;
    case 'fraction':
      if (s.maxAll < 1) return 'Unplaceable';
      return s.maxUp < 1 ? 'NodeDown' : null;
    case 'single':
      return v.whole > s.maxUp ? 'NodeDown' : null;
    case 'gang':
      if (v.whole > s.totalAll) return 'Unplaceable';
      return v.whole > s.totalUp ? 'NodeDown' : null;
  }
}

/** The jobs `v` waits for that are still pending or running. */
export function liveDependencies(ctx: CycleContext, v: JobView): string[] {
  const deps = v.job.dependsOn;
  return deps ? deps.filter((d) => d !== v.id && ctx.liveIds.has(d)) : [];
}
