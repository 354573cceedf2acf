/**
 * Stage 1, static filters: verdicts that need no search and do not change
 * within a cycle (unknown QOS, dependency, wall time, sizes no node or pool can
 * ever hold). First in the pipeline because they are the cheapest and they
 * keep hopeless jobs out of reservations and preemption.
 */
import type { PendingReason } from '@sluice/contracts';
import type { CycleContext, JobView } from '../context';

export type JobForm = 'single' | 'gang' | 'fraction';

export function jobForm(v: JobView): JobForm {
  if (v.fraction !== null) return 'fraction';
  return v.whole > v.shape.maxAll ? 'gang' : 'single';
}

export function staticReason(ctx: CycleContext, v: JobView): PendingReason | null {
  if (!v.qos) return 'InvalidQos';
  const deps = v.job.dependsOn;
  if (deps) for (const d of deps) if (d !== v.id && ctx.liveIds.has(d)) return 'Dependency';
  if (v.qos.maxWallSec !== null && v.job.timeLimitSec > v.qos.maxWallSec) return 'WallTimeLimit';
  if (!(v.gpus > 0) || !Number.isFinite(v.gpus) || (v.fraction === null && !Number.isInteger(v.gpus))) return 'Unplaceable';
  if ((v.qos.maxGpusPerUser !== null && v.gpus > v.qos.maxGpusPerUser) || (v.qos.maxGpusPerAccount !== null && v.gpus > v.qos.maxGpusPerAccount)) {
    return 'QosLimit';
  }
  const s = v.shape;
  switch (jobForm(v)) {
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
