import type { JobView } from '@sluice/contracts';
import type { ReactNode } from 'react';
import { formatDuration, formatMinutes, formatTime } from './format';

/** The facts about one job, as a definition list. */
export function JobDetails({ job }: { job: JobView }) {
  const rows: [string, ReactNode][] = [
    ['User', job.user],
    ['Account', job.account],
    ['QOS', job.qos],
    ['GPUs', job.borrowed ? `${job.gpus} (borrowed: may be reclaimed)` : job.gpus],
    ...(job.image ? ([['Image', <span key="image" className="mono">{job.image}</span>]] as [string, ReactNode][]) : []),
    ['Node', job.node ?? '—'],
    ['Time limit', formatMinutes(job.timeLimitMinutes)],
    ['Submitted', formatTime(job.submittedAt)],
    ['Started', formatTime(job.startedAt)],
    ['Ended', formatTime(job.endedAt)],
    ['Run time', formatDuration(job.startedAt, job.endedAt)],
    ['Exit code', job.exitCode ?? '—'],
    ...(job.preemptCount > 0 ? ([['Preempted', `${job.preemptCount} time(s)`]] as [string, ReactNode][]) : []),
  ];
  return (
    <section className="card">
      <div className="card-head">
        <h2>Details</h2>
      </div>
      <dl className="details">
        {rows.map(([k, v]) => (
          <div key={k} className="details-row">
            <dt>{k}</dt>
            <dd data-testid={`job-${k.toLowerCase().replace(/ /g, '-')}`}>{v}</dd>
          </div>
        ))}
        {job.reason && (
          <div className="details-row">
            <dt>Reason</dt>
            <dd data-testid="job-reason">
              <span className="mono">{job.reason}</span>
              {job.reasonText && <span className="reason-text"> — {job.reasonText}</span>}
            </dd>
          </div>
        )}
        {job.gpuUuids.length > 0 && (
          <div className="details-row">
            <dt>GPU UUIDs</dt>
            <dd>
              <ul className="uuid-list">
                {job.gpuUuids.map((u) => (
                  <li key={u} className="mono">
                    {u}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        )}
      </dl>
      <h3 className="sub">Command</h3>
      <pre className="command" data-testid="job-command">
        {job.command}
      </pre>
    </section>
  );
}
