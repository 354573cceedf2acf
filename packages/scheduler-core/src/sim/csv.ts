/** The simulator's output files as CSV text (pure; the CLI writes them). */
import type { EtaSample, SimJobResult, SimSegment } from './engine';

const fmt = (x: number | null) => (x === null ? '' : String(Math.round(x * 1000) / 1000));

/** `job_id,user,group,gpus,submit,start,end,preemptions`: the columns metrics.mjs reads, plus preemptions. */
export function resultsCsv(jobs: readonly SimJobResult[]): string {
  const lines = ['job_id,user,group,gpus,submit,start,end,preemptions'];
  for (const j of jobs) lines.push([j.id, j.user, j.group, j.gpus, fmt(j.submit), fmt(j.start), fmt(j.end), j.preemptions].join(','));
  return `${lines.join('\n')}\n`;
}

/** `job_id,node,gpus,start,end`: one row per run segment and node. */
export function segmentsCsv(segments: readonly SimSegment[]): string {
  const lines = ['job_id,node,gpus,start,end'];
  for (const s of segments) lines.push([s.jobId, s.node, s.gpus, fmt(s.start), fmt(s.end)].join(','));
  return `${lines.join('\n')}\n`;
}

/** `t_sample,job_id,predicted_start` (empty = no estimate): what eta-metrics.mjs reads. */
export function etaCsv(samples: readonly EtaSample[]): string {
  const lines = ['t_sample,job_id,predicted_start'];
  for (const s of samples) lines.push([fmt(s.t), s.jobId, fmt(s.predicted)].join(','));
  return `${lines.join('\n')}\n`;
}
