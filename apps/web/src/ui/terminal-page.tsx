'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { errorCode, errorMessage } from './errors';
import { StateBadge } from './state-badge';
import { TerminalView } from './terminal-view';
import { useTRPC } from './trpc';

const ENDED = new Set(['STOPPED', 'FAILED']);

/** A terminal session's page: its state, Stop, and the shell itself once the session runs. */
export function TerminalPage({ id }: { id: string }) {
  const trpc = useTRPC();
  const session = useQuery(trpc.sessions.get.queryOptions({ id }, { refetchInterval: (q) => (q.state.data && ENDED.has(q.state.data.state) ? false : 2000) }));
  const stop = useMutation(trpc.sessions.stop.mutationOptions({ onSuccess: () => void session.refetch() }));

  if (session.isPending) return <p className="muted">Loading session {id}…</p>;
  if (session.isError && !session.data) {
    return (
      <div className="alert" role="alert">
        {errorCode(session.error) === 'NOT_FOUND' ? `Session ${id} not found.` : errorMessage(session.error)} <Link href="/sessions">Back to sessions</Link>
      </div>
    );
  }
  const s = session.data;
  const live = s.state === 'RUNNING' || s.state === 'STOPPING';
  return (
    <>
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link href="/sessions">Sessions</Link> / <span className="mono">{s.id}</span>
          </p>
          <h1 className="job-title">
            Terminal on {s.node ?? '…'} <StateBadge state={s.state} testId="session-state" />
          </h1>
        </div>
        <div className="actions">
          {!ENDED.has(s.state) && (
            <button type="button" className="btn btn-danger" onClick={() => stop.mutate({ id: s.id })} disabled={stop.isPending || s.state === 'STOPPING'}>
              Stop session
            </button>
          )}
        </div>
      </div>
      {stop.isError && (
        <p className="alert" role="alert">
          {errorMessage(stop.error)}
        </p>
      )}
      {s.template !== 'terminal' ? (
        <p className="alert">This session is not a terminal session.</p>
      ) : live ? (
        <TerminalView id={s.id} />
      ) : ENDED.has(s.state) ? (
        <p className="empty">This session has ended.</p>
      ) : (
        <p className="empty">Waiting for the session to start…</p>
      )}
    </>
  );
}
