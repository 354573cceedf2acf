'use client';

import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '../../ui/errors';
import { SessionLauncher } from '../../ui/session-launcher';
import { SessionList } from '../../ui/session-list';
import { useTRPC } from '../../ui/trpc';

export default function SessionsPage() {
  const trpc = useTRPC();
  const sessions = useQuery(trpc.sessions.list.queryOptions(undefined, { refetchInterval: 1500 }));
  return (
    <>
      <div className="page-head">
        <h1>Sessions</h1>
      </div>
      <SessionLauncher />
      <section className="section">
        <h2>My sessions</h2>
        {sessions.isError && (
          <p className="alert" role="alert">
            {errorMessage(sessions.error)}
          </p>
        )}
        {sessions.isPending ? <p className="muted">Loading sessions…</p> : sessions.data && <SessionList sessions={sessions.data} />}
      </section>
    </>
  );
}
