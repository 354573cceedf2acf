'use client';

import { REASON_TEXT, type SessionView } from '@sluice/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from './errors';
import { formatTime } from './format';
import { RayJobHint } from './ray-job-hint';
import { TEMPLATE_LABELS } from './session-templates';
import { StateBadge } from './state-badge';
import { useTRPC } from './trpc';

const LIVE = new Set(['PENDING', 'STARTING', 'RUNNING']);

/** My sessions: state, where they run, and Open (while RUNNING; a Ray cluster's dashboard) / Stop. */
export function SessionList({ sessions, actions = true }: { sessions: SessionView[]; actions?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const stop = useMutation(
    trpc.sessions.stop.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.sessions.list.queryKey() }),
    }),
  );
  if (sessions.length === 0) return <p className="empty">No sessions yet.</p>;
  return (
    <div className="table-wrap">
      {stop.isError && (
        <p className="alert" role="alert">
          {errorMessage(stop.error)}
        </p>
      )}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Template</th>
            <th scope="col">State</th>
            <th scope="col" className="num">
              GPUs
            </th>
            <th scope="col">Nodes</th>
            <th scope="col">Started</th>
            <th scope="col">Ends</th>
            {actions && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id} data-testid="session-row" data-session-id={s.id}>
              <td className="mono">{s.id}</td>
              <td>
                {TEMPLATE_LABELS[s.template]}
                {s.template === 'ray' && s.state === 'RUNNING' && <RayJobHint id={s.id} />}
              </td>
              <td>
                <StateBadge state={s.state} testId="session-state" />
                {s.reason && (s.state === 'PENDING' || s.state === 'FAILED' || s.state === 'STOPPED') && <div className="reason small">{REASON_TEXT[s.reason]}</div>}
                {s.idleStopsAt && (
                  <div className="reason small" role="status" data-testid="idle-warning">
                    Idle: it stops at {formatTime(s.idleStopsAt)} to free its GPUs unless you use it.
                  </div>
                )}
              </td>
              <td className="num">{s.gpus}</td>
              <td className="mono" data-testid="session-nodes">
                {s.nodes.length > 0 ? s.nodes.join(', ') : (s.node ?? '—')}
              </td>
              <td className="nowrap">{formatTime(s.startedAt)}</td>
              <td className="nowrap">{formatTime(s.endsAt)}</td>
              {actions && (
                <td>
                  <div className="row-actions">
                    {s.state === 'RUNNING' && s.url && (
                      <a className="btn btn-small btn-primary" href={s.url} target="_blank" rel="noopener noreferrer">
                        {s.template === 'ray' ? 'Open dashboard' : 'Open'}
                      </a>
                    )}
                    {LIVE.has(s.state) && (
                      <button type="button" className="btn btn-small btn-danger" onClick={() => stop.mutate({ id: s.id })} disabled={stop.isPending && stop.variables?.id === s.id}>
                        Stop
                      </button>
                    )}
                  </div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
