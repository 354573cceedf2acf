/**
 * The replay's output files (pure). Times are seconds from one origin, the start of the replay,
 * with millisecond precision; an empty time means "did not happen" (never started / no estimate).
 * The first seven results columns are what the Slurm harness's metrics.mjs reads.
 */
import type { JobView } from '@sluice/contracts';
import type { PlannedJob } from './plan';

/** One trace job during the replay: what was planned, and what Sluice says about it. */
export interface ReplayRecord {
  plan: PlannedJob;
  /** Sluice's job id once the submission was answered. */
  sluiceId: string | null;
  /** When the request was sent, seconds after the origin. */
  sentAt: number | null;
  /** Why the submission failed, when it did. */
  error: string | null;
  view: Pick<JobView, 'state' | 'submittedAt' | 'startedAt' | 'endedAt' | 'node' | 'preemptCount'> | null;
}

const seconds = (x: number | null): string => (x === null || !Number.isFinite(x) ? '' : String(Math.round(x * 1000) / 1000));

/** Seconds from the origin (epoch ms) to an ISO time; null stays null. */
export const sinceOrigin = (iso: string | null | undefined, originMs: number): number | null => (iso ? (Date.parse(iso) - originMs) / 1000 : null);

export const RESULTS_HEADER = 'job_id,user,group,gpus,submit,start,end,sluice_id,state,node,preemptions,t_submit_client,lateness';

export function resultsCsv(records: readonly ReplayRecord[], originMs: number): string {
  const lines = [RESULTS_HEADER];
  for (const r of records) {
    const v = r.view;
    lines.push(
      [
        r.plan.traceId,
        r.plan.user,
        r.plan.group,
        r.plan.gpus,
        seconds(sinceOrigin(v?.submittedAt, originMs)),
        seconds(sinceOrigin(v?.startedAt, originMs)),
        seconds(sinceOrigin(v?.endedAt, originMs)),
        r.sluiceId ?? '',
        v?.state ?? (r.error ? 'NOT_SUBMITTED' : ''),
        v?.node ?? '',
        v?.preemptCount ?? '',
        seconds(r.sentAt),
        seconds(r.sentAt === null ? null : r.sentAt - r.plan.at),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

export const ETA_HEADER = 't_sample,job_id,predicted_start';

/** One sample row: a pending job's estimated start at sample time (eta-metrics.mjs's input). */
export const etaRow = (tSample: number, traceId: string, estimatedStart: string | null, originMs: number): string =>
  [seconds(tSample), traceId, seconds(sinceOrigin(estimatedStart, originMs))].join(',');
