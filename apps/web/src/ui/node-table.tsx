import type { NodeView } from '@sluice/contracts';
import Link from 'next/link';
import { formatMiB, formatTime } from './format';
import { NodeDrainControls } from './node-drain-controls';
import { StateBadge } from './state-badge';

/** Every node, then each node's GPUs and the job holding each one. */
export function NodeTable({ nodes }: { nodes: NodeView[] }) {
  if (nodes.length === 0) return <p className="empty">No nodes have registered yet.</p>;
  return (
    <>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                CPUs
              </th>
              <th scope="col" className="num">
                Memory
              </th>
              <th scope="col" className="num">
                GPUs used / total
              </th>
              <th scope="col">Last seen</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((n) => (
              <tr key={n.name} data-testid="node-row" data-node={n.name}>
                <td className="mono">
                  <Link href={`/nodes/${encodeURIComponent(n.name)}`}>{n.name}</Link>
                </td>
                <td>
                  <StateBadge state={n.state} testId="node-state" />
                  {n.drainReason && <div className="reason small">{n.drainReason}</div>}
                </td>
                <td className="num">{n.cpus}</td>
                <td className="num">{formatMiB(n.memoryMiB)}</td>
                <td className="num">
                  {n.gpus.filter((g) => g.jobId !== null).length} / {n.gpus.length}
                </td>
                <td className="nowrap">{formatTime(n.lastSeenAt)}</td>
                <td>
                  <NodeDrainControls name={n.name} state={n.state} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {nodes.map((n) => (
        <section key={n.name} id={`node-${n.name}`} className="section">
          <h2>
            GPUs on <span className="mono">{n.name}</span>
          </h2>
          {n.gpus.length === 0 ? (
            <p className="empty">This node has no GPUs.</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      Index
                    </th>
                    <th scope="col">Model</th>
                    <th scope="col" className="num">
                      Memory
                    </th>
                    <th scope="col">UUID</th>
                    <th scope="col">Job</th>
                  </tr>
                </thead>
                <tbody>
                  {n.gpus.map((g) => (
                    <tr key={g.uuid} data-testid="gpu-row">
                      <td className="num">{g.index}</td>
                      <td>{g.model}</td>
                      <td className="num">{formatMiB(g.memoryMiB)}</td>
                      <td className="mono small">{g.uuid}</td>
                      <td>{g.jobId ? <Link href={`/jobs/${g.jobId}`}>job {g.jobId}</Link> : <span className="free">free</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ))}
    </>
  );
}
