/**
 * What each stage concluded about each pending job (reason, reservation time,
 * detail), stored by job index: the walk writes one per job per cycle, so this
 * avoids a map entry and an object per job.
 */
import type { PendingReason } from '@sluice/contracts';
import type { JobView } from '../context';
import type { EpochMs } from '../types';

export class Verdicts {
  private readonly reasons: (PendingReason | undefined)[];
  private readonly estimates: Float64Array;
  private readonly details = new Map<number, string>();

  constructor(jobs: number) {
    this.reasons = new Array(jobs);
    this.estimates = new Float64Array(jobs).fill(Number.NaN);
  }

  set(v: JobView, reason: PendingReason, estimatedStart: EpochMs | null = null, detail?: string): void {
    this.reasons[v.index] = reason;
    this.estimates[v.index] = estimatedStart ?? Number.NaN;
    if (detail !== undefined) this.details.set(v.index, detail);
  }

  reason(v: JobView): PendingReason | undefined {
    return this.reasons[v.index];
  }

  estimate(v: JobView): EpochMs | null {
    const e = this.estimates[v.index] as number;
    return Number.isNaN(e) ? null : e;
  }

  detail(v: JobView): string | undefined {
    return this.details.get(v.index);
  }
}
