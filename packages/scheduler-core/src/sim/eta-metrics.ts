/**
 * Accuracy of start-time estimates, with the definitions of
 * ../shared/bench/slurm/eta-metrics.mjs (its "all samples" block): over the
 * (sample, pending job) pairs of jobs that started, the share that had an
 * estimate and the |predicted - actual start| of those (nearest-rank
 * percentiles). Pure.
 */
import type { EtaSample } from './engine';

export interface EtaMetrics {
  pairs: number;
  coverage: number;
  absErrP50: number;
  absErrP90: number;
  /** predicted - actual; > 0: the job started earlier than predicted. */
  signedErrP50: number;
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] as number;
};

export function computeEtaMetrics(samples: readonly EtaSample[], jobs: readonly { id: string; start: number | null }[]): EtaMetrics {
  const startOf = new Map<string, number>();
  for (const j of jobs) if (j.start !== null) startOf.set(j.id, j.start);
  const signed: number[] = [];
  let pairs = 0;
  for (const s of samples) {
    const start = startOf.get(s.jobId);
    // Pending after its (final) start: a sample of an earlier run of a requeued job.
    if (start === undefined || s.t > start + 1) continue;
    pairs++;
    if (s.predicted !== null) signed.push(s.predicted - start);
  }
  return {
    pairs,
    coverage: pairs > 0 ? signed.length / pairs : Number.NaN,
    absErrP50: pct(signed.map(Math.abs), 50),
    absErrP90: pct(signed.map(Math.abs), 90),
    signedErrP50: pct(signed, 50),
  };
}
