import type { QueueEntry } from '@sluice/contracts';
import Link from 'next/link';
import { formatMinutes, formatTime } from './format';
import { EstimatedStart } from './job-table';

/** Everyone's pending jobs in queue order (like squeue); the caller's own rows stand out. */
export function QueueTable({ jobs }: { jobs: QueueEntry[] }) {
  if (jobs.length === 0) return <p className="empty">Nothing is waiting: every job has its GPUs.</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col" className="num">
              Pos.
            </th>
            <th scope="col">ID</th>
            <th scope="col">Name</th>
            <th scope="col">User</th>
            <th scope="col">Account</th>
            <th scope="col">QOS</th>
            <th scope="col" className="num">
              GPUs
            </th>
            <th scope="col">Time limit</th>
            <th scope="col" className="num">
              Priority
            </th>
            <th scope="col">Reason</th>
            <th scope="col">Est. start</th>
            <th scope="col">Submitted</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id} className={j.mine ? 'mine' : undefined} data-testid="queue-row" data-job-id={j.id}>
              <td className="num">{j.position ?? '—'}</td>
              <td className="mono">{j.name === null ? j.id : <Link href={`/jobs/${j.id}`}>{j.id}</Link>}</td>
              <td className="name-cell">{j.name ?? <span className="muted">hidden</span>}</td>
              <td>{j.user}</td>
              <td>{j.account}</td>
              <td>{j.qos}</td>
              <td className="num">{j.gpus}</td>
              <td className="nowrap">{formatMinutes(j.timeLimitMinutes)}</td>
              <td className="num">{j.priority === null ? '—' : Math.round(j.priority).toLocaleString()}</td>
              <td className="reason" title={j.reasonText ?? undefined}>
                {j.reason ?? '—'}
              </td>
              <td className="nowrap">
                <EstimatedStart iso={j.estimatedStart} />
              </td>
              <td className="nowrap">{formatTime(j.submittedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
