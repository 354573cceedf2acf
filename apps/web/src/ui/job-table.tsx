import type { JobView } from '@sluice/contracts';
import Link from 'next/link';
import { formatMinutes, formatRelative, formatTime } from './format';
import { StateBadge } from './state-badge';

/** Jobs as a table; each id links to its page. `showUser` adds the owner column (admin view). */
export function JobTable({ jobs, showUser = false, compact = false }: { jobs: JobView[]; showUser?: boolean; compact?: boolean }) {
  if (jobs.length === 0) return <p className="empty">No jobs yet.</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Name</th>
            {showUser && <th scope="col">User</th>}
            {!compact && <th scope="col">Account</th>}
            {!compact && <th scope="col">QOS</th>}
            <th scope="col">State</th>
            <th scope="col" className="num">
              GPUs
            </th>
            <th scope="col">Node</th>
            <th scope="col">Submitted</th>
            {!compact && <th scope="col">Time limit</th>}
            {!compact && (
              <th scope="col" className="num" title="Place in the whole queue (pending jobs)">
                Pos.
              </th>
            )}
            {!compact && <th scope="col">Reason</th>}
            {!compact && <th scope="col">Est. start</th>}
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id} data-testid="job-row" data-job-id={j.id}>
              <td className="mono">
                <Link href={`/jobs/${j.id}`}>{j.id}</Link>
              </td>
              <td className="name-cell">
                <Link href={`/jobs/${j.id}`}>{j.name}</Link>
              </td>
              {showUser && <td>{j.user}</td>}
              {!compact && <td>{j.account}</td>}
              {!compact && <td>{j.qos}</td>}
              <td>
                <StateBadge state={j.state} testId="job-state" />
              </td>
              <td className="num">{j.gpus}</td>
              <td className="mono">{j.node ?? '—'}</td>
              <td className="nowrap">{formatTime(j.submittedAt)}</td>
              {!compact && <td className="nowrap">{formatMinutes(j.timeLimitMinutes)}</td>}
              {!compact && (
                <td className="num" data-testid="job-position">
                  {j.position ?? ''}
                </td>
              )}
              {!compact && <td className={j.state === 'PENDING' ? 'reason' : 'reason muted'}>{j.reasonText ?? ''}</td>}
              {!compact && <td className="nowrap">{j.state === 'PENDING' ? <EstimatedStart iso={j.estimatedStart} /> : ''}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "14:05 (in 2 h)", or "unknown" when the scheduler cannot tell yet. */
export function EstimatedStart({ iso }: { iso: string | null }) {
  if (!iso) return <span className="muted">unknown</span>;
  return (
    <span title={new Date(iso).toLocaleString()}>
      {formatTime(iso)} <span className="muted">({formatRelative(iso)})</span>
    </span>
  );
}
