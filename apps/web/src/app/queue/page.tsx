'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { errorMessage } from '../../ui/errors';
import { QueueTable } from '../../ui/queue-table';
import { useTRPC } from '../../ui/trpc';

export default function QueuePage() {
  const trpc = useTRPC();
  const queue = useQuery(trpc.scheduling.queue.queryOptions(undefined, { refetchInterval: 3000, placeholderData: keepPreviousData }));
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Queue</h1>
          <p className="muted small">
            Every pending job in the order the scheduler will consider it. Order comes from priority: see <Link href="/fairshare">fair share</Link>.
          </p>
        </div>
      </div>
      {queue.isError && (
        <p className="alert" role="alert">
          {errorMessage(queue.error)}
        </p>
      )}
      {queue.isPending ? <p className="muted">Loading the queue…</p> : queue.data && <QueueTable jobs={queue.data} />}
    </>
  );
}
