'use client';

import { formatHalfLife } from '@sluice/contracts';
import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '../../ui/errors';
import { FairshareTable } from '../../ui/fairshare-table';
import { formatTime } from '../../ui/format';
import { useTRPC } from '../../ui/trpc';
import { useMe } from '../../ui/use-me';

export default function FairsharePage() {
  const trpc = useTRPC();
  const me = useMe();
  const view = useQuery(trpc.scheduling.fairshare.queryOptions(undefined, { refetchInterval: 10_000 }));
  const mine = useQuery(trpc.accounts.mine.queryOptions());
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Fair share</h1>
          <p className="muted small">
            Accounts that used less of the cluster than their shares give them go first. Usage counts GPU time, halving every{' '}
            {view.data ? formatHalfLife(view.data.halfLifeSec) : '…'}
            {view.data?.at && <> · computed {formatTime(view.data.at)}</>}
            {view.data && <> · {view.data.algorithm === 'fair-tree' ? 'Fair Tree' : 'classic'}</>}. Your accounts are highlighted.
          </p>
        </div>
      </div>
      {view.isError && (
        <p className="alert" role="alert">
          {errorMessage(view.error)}
        </p>
      )}
      {view.isPending ? <p className="muted">Loading…</p> : view.data && <FairshareTable view={view.data} myAccounts={mine.data?.accounts ?? []} me={me?.username ?? ''} />}
    </>
  );
}
