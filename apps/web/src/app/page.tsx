'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { errorMessage } from '../ui/errors';
import { GpuSummary } from '../ui/gpu-summary';
import { JobTable } from '../ui/job-table';
import { SessionList } from '../ui/session-list';
import { useTRPC } from '../ui/trpc';

const EVERY_2S = { refetchInterval: 2000 } as const;

export default function DashboardPage() {
  const trpc = useTRPC();
  const nodes = useQuery(trpc.cluster.nodes.queryOptions(undefined, EVERY_2S));
  const jobs = useQuery(trpc.jobs.list.queryOptions({ all: false }, EVERY_2S));
  const sessions = useQuery(trpc.sessions.list.queryOptions(undefined, EVERY_2S));
  const failed = [nodes, jobs, sessions].find((q) => q.isError);

  return (
    <>
      <div className="page-head">
        <h1>Dashboard</h1>
      </div>
      {failed?.error && (
        <p className="alert" role="alert">
          {errorMessage(failed.error)}
        </p>
      )}
      <h2>Cluster GPUs</h2>
      {nodes.data ? <GpuSummary nodes={nodes.data} /> : <p className="muted">Loading nodes…</p>}
      <section className="section">
        <div className="section-head">
          <h2>My recent jobs</h2>
          <Link href="/jobs">All my jobs →</Link>
        </div>
        {jobs.data ? <JobTable jobs={jobs.data.slice(0, 5)} compact /> : <p className="muted">Loading jobs…</p>}
      </section>
      <section className="section">
        <div className="section-head">
          <h2>My sessions</h2>
          <Link href="/sessions">Start a session →</Link>
        </div>
        {sessions.data ? <SessionList sessions={sessions.data} /> : <p className="muted">Loading sessions…</p>}
      </section>
    </>
  );
}
