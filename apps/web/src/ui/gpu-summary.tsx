import type { NodeView } from '@sluice/contracts';
import { StateBadge } from './state-badge';

const count = (n: NodeView) => {
  const used = n.gpus.filter((g) => g.jobId !== null).length;
  return { total: n.gpus.length, used, free: n.gpus.length - used };
};

/** GPUs total / used / free, overall and per node, with one square per GPU. */
export function GpuSummary({ nodes }: { nodes: NodeView[] }) {
  const all = nodes.map(count).reduce((a, c) => ({ total: a.total + c.total, used: a.used + c.used, free: a.free + c.free }), { total: 0, used: 0, free: 0 });
  return (
    <section className="section">
      <div className="stats" data-testid="gpu-overall">
        <Stat label="GPUs total" value={all.total} testId="gpus-total" />
        <Stat label="GPUs in use" value={all.used} testId="gpus-used" />
        <Stat label="GPUs free" value={all.free} testId="gpus-free" tone="ok" />
        <Stat label="Nodes up" value={`${nodes.filter((n) => n.state === 'UP').length} / ${nodes.length}`} testId="nodes-up" />
      </div>
      {nodes.length === 0 ? (
        <p className="empty">No nodes have registered yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">State</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col" className="num">
                  Used
                </th>
                <th scope="col" className="num">
                  Free
                </th>
                <th scope="col">GPUs</th>
              </tr>
            </thead>
            <tbody>
              {nodes.map((n) => {
                const c = count(n);
                return (
                  <tr key={n.name} data-testid="node-gpus" data-node={n.name}>
                    <td className="mono">{n.name}</td>
                    <td>
                      <StateBadge state={n.state} />
                    </td>
                    <td className="num">{c.total}</td>
                    <td className="num">{c.used}</td>
                    <td className="num">{c.free}</td>
                    <td>
                      <div className="gpu-squares" aria-hidden="true">
                        {n.gpus.map((g) => (
                          <span key={g.uuid} className={g.jobId ? 'gpu-sq used' : 'gpu-sq'} title={`GPU ${g.index} ${g.model}${g.jobId ? ` — job ${g.jobId}` : ' — free'}`} />
                        ))}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Stat({ label, value, testId, tone }: { label: string; value: number | string; testId: string; tone?: string }) {
  return (
    <div className={tone ? `stat stat-${tone}` : 'stat'}>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
      <div className="stat-label">{label}</div>
    </div>
  );
}
