'use client';

import { isFinalJobState } from '@sluice/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { errorCode, errorMessage } from './errors';
import { JobDetails } from './job-details';
import { JobLog } from './job-log';
import { StateBadge } from './state-badge';
import { useTRPC } from './trpc';
import { WhyWaiting } from './why-waiting';

/** One job: live state (every second until it is final), details, Cancel, and its output. */
export function JobPage({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const job = useQuery(
    trpc.jobs.get.queryOptions(
      { id },
      { refetchInterval: (q) => (q.state.data && isFinalJobState(q.state.data.state) ? false : 1000), refetchIntervalInBackground: true },
    ),
  );
  const cancel = useMutation(
    trpc.jobs.cancel.mutationOptions({
      onSuccess: (j) => {
        queryClient.setQueryData(trpc.jobs.get.queryKey({ id }), j);
        void queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey() });
      },
    }),
  );

  if (job.isPending) return <p className="muted">Loading job {id}…</p>;
  if (job.isError && !job.data) {
    return (
      <div className="alert" role="alert">
        {errorCode(job.error) === 'NOT_FOUND' ? `Job ${id} not found.` : errorMessage(job.error)} <Link href="/jobs">Back to jobs</Link>
      </div>
    );
  }
  const j = job.data;
  const final = isFinalJobState(j.state);
  const onCancel = () => {
    if (window.confirm(`Cancel job ${j.id} (${j.name})?`)) cancel.mutate({ id: j.id });
  };

  return (
    <>
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link href="/jobs">Jobs</Link> / <span className="mono">{j.id}</span>
          </p>
          <h1 className="job-title">
            {j.name} <StateBadge state={j.state} testId="job-state" />
          </h1>
        </div>
        <div className="actions">
          {!final && (
            <button type="button" className="btn btn-danger" onClick={onCancel} disabled={cancel.isPending}>
              {cancel.isPending ? 'Cancelling…' : 'Cancel job'}
            </button>
          )}
        </div>
      </div>
      {cancel.isError && (
        <p className="alert" role="alert">
          {errorMessage(cancel.error)}
        </p>
      )}
      {j.state === 'PENDING' && <WhyWaiting job={j} />}
      <div className="job-grid">
        <JobDetails job={j} />
        <JobLog id={j.id} final={final} />
      </div>
    </>
  );
}
