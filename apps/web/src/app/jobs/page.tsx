'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../../ui/errors';
import { JobTable } from '../../ui/job-table';
import { useTRPC } from '../../ui/trpc';
import { useMe } from '../../ui/use-me';

export default function JobsPage() {
  const trpc = useTRPC();
  const me = useMe();
  const isAdmin = me?.role === 'admin';
  const [all, setAll] = useState(false);
  const jobs = useQuery(trpc.jobs.list.queryOptions({ all: isAdmin && all }, { refetchInterval: 2000, placeholderData: keepPreviousData }));

  return (
    <>
      <div className="page-head">
        <h1>Jobs</h1>
        <div className="actions">
          {isAdmin && (
            <label className="toggle" htmlFor="all-users">
              <input id="all-users" type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
              All users
            </label>
          )}
        </div>
      </div>
      {jobs.isError && (
        <p className="alert" role="alert">
          {errorMessage(jobs.error)}
        </p>
      )}
      {jobs.isPending ? <p className="muted">Loading jobs…</p> : jobs.data && <JobTable jobs={jobs.data} showUser={isAdmin && all} />}
    </>
  );
}
