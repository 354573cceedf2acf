import type { JobView, PriorityBreakdown } from '@sluice/contracts';
import Link from 'next/link';
import { formatRelative, formatTime } from './format';

const FACTORS: [keyof PriorityBreakdown['factors'], string, string][] = [
  ['fairshare', 'Fair share', 'how little your account and you used recently against your shares'],
  ['age', 'Age', 'how long it has waited'],
  ['jobSize', 'Job size', 'smaller GPU-time requests rank higher'],
  ['qos', 'QOS', 'the priority of its QOS class'],
];

/** For a pending job: why it waits, where it stands, when it may start and how its priority adds up. */
export function WhyWaiting({ job }: { job: JobView }) {
  return (
    <section className="card why" data-testid="why-waiting">
      <div className="card-head">
        <h2>Why is this waiting?</h2>
        <Link href="/fairshare">Fair-share standing</Link>
      </div>
      <p className="why-reason" data-testid="why-reason">
        {job.reason ? (
          <>
            <strong>{job.reasonText}</strong> <span className="muted mono small">({job.reason})</span>
          </>
        ) : (
          'The scheduler has not looked at this job yet; it does within seconds.'
        )}
      </p>
      <dl className="details">
        <div className="details-row">
          <dt>Position</dt>
          <dd data-testid="why-position">
            {job.position === null ? 'not yet known' : `#${job.position} in the queue`}
            {job.positionInAccount !== null && `, #${job.positionInAccount} in account ${job.account}`}
          </dd>
        </div>
        <div className="details-row">
          <dt>Estimated start</dt>
          <dd data-testid="why-estimate">
            {job.estimatedStart ? `${formatTime(job.estimatedStart)} (${formatRelative(job.estimatedStart)})` : 'unknown'}
            <p className="hint">Assumes running jobs use their whole time limit, so it is usually earlier.</p>
          </dd>
        </div>
      </dl>
      {job.priority && <PriorityTable p={job.priority} />}
    </section>
  );
}

function PriorityTable({ p }: { p: PriorityBreakdown }) {
  return (
    <>
      <h3 className="sub">Priority</h3>
      <div className="table-wrap">
        <table className="table" data-testid="priority-breakdown">
          <thead>
            <tr>
              <th scope="col">Factor</th>
              <th scope="col" className="num">
                Value
              </th>
              <th scope="col" className="num">
                Weight
              </th>
              <th scope="col" className="num">
                Contribution
              </th>
            </tr>
          </thead>
          <tbody>
            {FACTORS.map(([key, label, help]) => (
              <tr key={key} data-testid="priority-factor">
                <td title={help}>{label}</td>
                <td className="num">{p.factors[key].toFixed(3)}</td>
                <td className="num">{p.weights[key].toLocaleString()}</td>
                <td className="num">{Math.round(p.weighted[key]).toLocaleString()}</td>
              </tr>
            ))}
            {p.base !== 0 && (
              <tr>
                <td>Base (set by an admin)</td>
                <td className="num">—</td>
                <td className="num">—</td>
                <td className="num">{Math.round(p.base).toLocaleString()}</td>
              </tr>
            )}
            <tr className="total">
              <td>Total</td>
              <td />
              <td />
              <td className="num" data-testid="priority-total">
                {Math.round(p.total).toLocaleString()}
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <p className="hint">Each factor is between 0 and 1; the queue is ordered by the total, highest first.</p>
    </>
  );
}
