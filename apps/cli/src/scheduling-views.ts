import { type FairshareView, formatHalfLife, formatPercent, type JobView, type QueueEntry } from '@sluice/contracts';
import { table } from './format';

/** Text for `sluice queue`, `sluice fairshare` and `sluice job show` (squeue, sshare and scontrol show job). */

const time = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : null);
const estimate = (iso: string | null) => time(iso) ?? 'unknown';

export function queueText(jobs: QueueEntry[]): string {
  if (jobs.length === 0) return 'No pending jobs.';
  return table(
    ['POS', 'ID', 'NAME', 'USER', 'ACCOUNT', 'QOS', 'GPUS', 'PRIORITY', 'REASON', 'EST_START'],
    jobs.map((j) => [j.position, j.id, j.name ?? '(hidden)', j.user, j.account, j.qos, j.gpus, j.priority === null ? null : Math.round(j.priority), j.reason, estimate(j.estimatedStart)]),
  );
}

export function fairshareText(v: FairshareView): string {
  if (v.rows.length === 0) return 'No fair-share standing yet (the scheduler publishes it after its first cycle).';
  const head = `Fair share (${v.algorithm}, usage half-life ${formatHalfLife(v.halfLifeSec)}${v.at ? `, as of ${time(v.at)}` : ''})`;
  const rows = v.rows.map((r) => [
    `${' '.repeat(r.depth - 1)}${r.user === null ? r.account : ` ${r.user}`}`,
    r.rawShares,
    formatPercent(r.normShares),
    formatPercent(r.normUsage),
    r.levelFairshare === null ? 'inf' : r.levelFairshare.toFixed(2),
    r.fairshareFactor.toFixed(3),
    r.allocatedGpus,
  ]);
  const body = table(['ACCOUNT/USER', 'SHARES', 'NORM_SHARES', 'USAGE', 'LEVEL_FS', 'FACTOR', 'GPUS'], rows);
  return `${head}\n${body}\n\n${v.rows.map((r) => `- ${r.summary}`).join('\n')}`;
}

export function jobShowText(j: JobView): string {
  const lines: [string, string | number | null][] = [
    ['Job', `${j.id} (${j.name})`],
    ['State', j.state],
    ['User', j.user],
    ['Account', j.account],
    ['QOS', j.qos],
    ['GPUs', j.borrowed ? `${j.gpus} (borrowed)` : j.gpus],
    ['Time limit', `${j.timeLimitMinutes} min`],
    ['Node', j.node],
    ['Submitted', time(j.submittedAt)],
    ['Started', time(j.startedAt)],
    ['Ended', time(j.endedAt)],
    ['Exit code', j.exitCode],
    ['Reason', j.reason ? `${j.reason}: ${j.reasonText}` : null],
  ];
  if (j.image) lines.splice(6, 0, ['Image', j.image]);
  if (j.preemptCount > 0) lines.push(['Preempted', `${j.preemptCount} time(s)`]);
  if (j.state === 'PENDING') {
    lines.push(['Position', j.position === null ? 'not yet known' : `${j.position} in the queue, ${j.positionInAccount} in account ${j.account}`]);
    lines.push(['Est. start', `${estimate(j.estimatedStart)} (assumes running jobs use their whole time limit)`]);
  }
  const text = lines.map(([k, v]) => `${`${k}:`.padEnd(12)}${v ?? '-'}`).join('\n');
  const p = j.state === 'PENDING' ? j.priority : null;
  if (!p) return text;
  const factors = (['fairshare', 'age', 'jobSize', 'qos'] as const).map((f) => [f, p.factors[f].toFixed(3), p.weights[f], Math.round(p.weighted[f])]);
  const prio = table(['FACTOR', 'VALUE', 'WEIGHT', 'CONTRIBUTION'], [...factors, ...(p.base ? [['base', null, null, Math.round(p.base)]] : []), ['total', null, null, Math.round(p.total)]]);
  return `${text}\n\nPriority:\n${prio}`;
}
