'use client';

import type { NodeDetailView } from '@sluice/contracts';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { errorCode, errorMessage } from './errors';
import { formatMiB, formatTime } from './format';
import { NodeDrainControls } from './node-drain-controls';
import { NodeHardwareView } from './node-hardware';
import { StateBadge } from './state-badge';
import { useTRPC } from './trpc';

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v}%`);

/** One node: state and drain reason, inventory, per-GPU metrics and health, hardware history. */
export function NodePage({ name }: { name: string }) {
  const trpc = useTRPC();
  const node = useQuery(trpc.nodes.get.queryOptions({ name }, { refetchInterval: 5000 }));
  if (node.isPending) return <p className="muted">Loading node {name}…</p>;
  if (node.isError && !node.data) {
    return (
      <div className="alert" role="alert">
        {errorCode(node.error) === 'NOT_FOUND' ? `Node ${name} not found.` : errorMessage(node.error)} <Link href="/nodes">Back to nodes</Link>
      </div>
    );
  }
  const n = node.data;
  return (
    <>
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link href="/nodes">Nodes</Link>
          </p>
          <h1 className="job-title">
            <span className="mono">{n.name}</span> <StateBadge state={n.state} testId="node-state" />
          </h1>
          {n.drainReason && (
            <p className="reason" data-testid="drain-reason">
              Drained: {n.drainReason}
            </p>
          )}
          <p className="muted small">
            pool {n.pool} · {n.gpuSource === 'simulated' ? 'simulated GPUs' : n.gpuSource === 'none' ? 'no GPUs (no nvidia-smi)' : 'GPUs from nvidia-smi'} · last seen {formatTime(n.lastSeenAt)}
          </p>
        </div>
        <div className="actions">
          <NodeDrainControls name={n.name} state={n.state} />
        </div>
      </div>
      <GpuTable node={n} />
      {n.hardware ? <NodeHardwareView hw={n.hardware} /> : <p className="empty section">This node's agent has not reported its hardware.</p>}
      <History node={n} />
    </>
  );
}

function GpuTable({ node }: { node: NodeDetailView }) {
  if (node.gpus.length === 0) return <p className="empty">This node has no GPUs.</p>;
  return (
    <section className="section">
      <h2>GPUs</h2>
      <p className="muted small">Metrics as of {formatTime(node.metricsAt)}</p>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                Utilisation
              </th>
              <th scope="col" className="num">
                Memory used
              </th>
              <th scope="col" className="num">
                Temp.
              </th>
              <th scope="col" className="num">
                Power
              </th>
              <th scope="col">NVLink</th>
              <th scope="col">Health</th>
              <th scope="col">Job</th>
            </tr>
          </thead>
          <tbody>
            {node.gpus.map((g) => (
              <tr key={g.uuid} data-testid="gpu-row">
                <td className="num">{g.index}</td>
                <td>
                  {g.model}
                  <div className="mono small muted">{g.uuid}</div>
                </td>
                <td className="num">{pct(g.sample?.utilizationPct)}</td>
                <td className="num">
                  {g.sample?.memoryUsedMiB != null ? `${formatMiB(g.sample.memoryUsedMiB)} / ${formatMiB(g.sample.memoryTotalMiB ?? g.memoryMiB)}` : '—'}
                </td>
                <td className="num">{g.sample?.temperatureC != null ? `${g.sample.temperatureC} °C` : '—'}</td>
                <td className="num">{g.sample?.powerDrawW != null ? `${Math.round(g.sample.powerDrawW)} W` : '—'}</td>
                <td>{g.nvlinkDomain ?? '—'}</td>
                <td data-testid="gpu-health">
                  {g.problems.length === 0 ? (
                    <span className="badge badge-ok">{g.sample ? 'healthy' : 'no data'}</span>
                  ) : (
                    g.problems.map((p) => (
                      <div key={`${p.kind}-${p.message}`} className="reason">
                        <span className="badge badge-bad">{p.kind}</span> {p.message}
                      </div>
                    ))
                  )}
                </td>
                <td>{g.jobId ? <Link href={`/jobs/${g.jobId}`}>job {g.jobId}</Link> : <span className="free">free</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function History({ node }: { node: NodeDetailView }) {
  return (
    <section className="section">
      <h2>Hardware history</h2>
      {node.history.length === 0 ? (
        <p className="empty">Nothing recorded yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Component</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {node.history.map((e) => (
                <tr key={e.id} data-testid="history-row">
                  <td className="nowrap">{formatTime(e.at)}</td>
                  <td>{e.type}</td>
                  <td className="mono small">{e.component}</td>
                  <td>{e.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
