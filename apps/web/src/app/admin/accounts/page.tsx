'use client';

import type { AccountView } from '@sluice/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { AccountCreateForm } from '../../../ui/admin/account-create-form';
import { AccountEditor } from '../../../ui/admin/account-editor';
import { errorMessage } from '../../../ui/errors';
import { useTRPC } from '../../../ui/trpc';

const depthOf = (a: AccountView, byName: Map<string, AccountView>): number => {
  let d = 0;
  for (let p = a.parent; p && d < 64; p = byName.get(p)?.parent ?? null) d++;
  return d;
};

export default function AccountsAdminPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const accounts = useQuery(trpc.accounts.list.queryOptions());
  const [selected, setSelected] = useState<string | null>(null);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.accounts.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  };
  const list = accounts.data ?? [];
  const byName = new Map(list.map((a) => [a.name, a]));
  const current = selected ? byName.get(selected) : undefined;

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Accounts</h1>
          <p className="muted small">The fair-share tree: GPU time is shared between siblings by their shares, then between each account's members.</p>
        </div>
      </div>
      {accounts.isError && (
        <p className="alert" role="alert">
          {errorMessage(accounts.error)}
        </p>
      )}
      <div className="admin-grid">
        <div className="form">
          {list.length === 0 ? (
            <p className="empty">No accounts yet.</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Account</th>
                    <th scope="col" className="num">
                      Shares
                    </th>
                    <th scope="col">Members</th>
                    <th scope="col">Quotas</th>
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {list.map((a) => (
                    <tr key={a.name} className={a.name === selected ? "selected" : undefined} data-testid="account-row" data-account={a.name}>
                      <td style={{ paddingLeft: 14 + depthOf(a, byName) * 18 }}>
                        <strong>{a.name}</strong>
                        {a.description && <span className="muted small"> — {a.description}</span>}
                      </td>
                      <td className="num">{a.shares}</td>
                      <td>{a.members.map((m) => (m.shares === 1 ? m.user : `${m.user} (${m.shares})`)).join(', ') || '—'}</td>
                      <td className="small">
                        {a.quotas.map((q) => `${q.pool || 'all'}: ${q.guaranteedGpus ?? 0}–${q.maxGpus ?? '∞'}`).join(', ') || '—'}
                      </td>
                      <td>
                        <div className="row-actions">
                          <button type="button" className="btn btn-small" onClick={() => setSelected(a.name)}>
                            Manage
                          </button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {current && (
            <AccountEditor
              key={`${current.name}:${current.shares}:${current.parent}`}
              account={current}
              accounts={list}
              onChanged={refresh}
              onDeleted={() => {
                setSelected(null);
                refresh();
              }}
            />
          )}
        </div>
        <AccountCreateForm
          accounts={list}
          onDone={(name) => {
            setSelected(name);
            refresh();
          }}
        />
      </div>
    </>
  );
}
