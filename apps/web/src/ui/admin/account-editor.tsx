'use client';

import type { AccountView } from '@sluice/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../errors';
import { useTRPC } from '../trpc';
import { num } from './account-create-form';

/** One account: its shares and parent, members (with shares) and quotas per pool; delete. */
export function AccountEditor({ account, accounts, onChanged, onDeleted }: { account: AccountView; accounts: AccountView[]; onChanged: () => void; onDeleted: () => void }) {
  const trpc = useTRPC();
  const users = useQuery(trpc.users.list.queryOptions());
  const [shares, setShares] = useState(String(account.shares));
  const [parent, setParent] = useState(account.parent ?? '');
  const [member, setMember] = useState('');
  const [memberShares, setMemberShares] = useState('1');
  const [pool, setPool] = useState('_all');
  const [guaranteed, setGuaranteed] = useState('');
  const [max, setMax] = useState('');
  const opts = { onSuccess: onChanged };
  const update = useMutation(trpc.accounts.update.mutationOptions(opts));
  const setMem = useMutation(trpc.accounts.setMember.mutationOptions(opts));
  const removeMem = useMutation(trpc.accounts.removeMember.mutationOptions(opts));
  const quota = useMutation(trpc.accounts.setQuota.mutationOptions(opts));
  const del = useMutation(trpc.accounts.delete.mutationOptions({ onSuccess: onDeleted }));
  const failed = [update, setMem, removeMem, quota, del].find((m) => m.isError);

  const save = (e: FormEvent) => {
    e.preventDefault();
    update.mutate({ name: account.name, changes: { shares: num(shares), parent: parent || null } });
  };
  const addMember = (e: FormEvent) => {
    e.preventDefault();
    setMem.mutate({ account: account.name, username: member, shares: num(memberShares) });
  };
  const setQuota = (e: FormEvent) => {
    e.preventDefault();
    quota.mutate({ account: account.name, pool: pool.trim() || '_all', limits: { guaranteedGpus: num(guaranteed), maxGpus: num(max) } });
  };
  const onDelete = () => {
    if (window.confirm(`Delete account ${account.name}?`)) del.mutate({ name: account.name });
  };

  return (
    <section className="card form" data-testid="account-editor">
      <div className="card-head">
        <h2>
          Account <span className="mono">{account.name}</span>
        </h2>
        <button type="button" className="btn btn-danger btn-small" onClick={onDelete}>
          Delete account
        </button>
      </div>
      {account.description && <p className="muted">{account.description}</p>}
      {failed && (
        <p className="form-error" role="alert" data-testid="form-error">
          {errorMessage(failed.error)}
        </p>
      )}
      <form className="inline-form" onSubmit={save} noValidate>
        <div className="field">
          <label htmlFor="edit-shares">Shares</label>
          <input id="edit-shares" type="number" min={0} value={shares} onChange={(e) => setShares(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="edit-parent">Parent</label>
          <select id="edit-parent" value={parent} onChange={(e) => setParent(e.target.value)}>
            <option value="">(root)</option>
            {accounts
              .filter((a) => a.name !== account.name)
              .map((a) => (
                <option key={a.name} value={a.name}>
                  {a.name}
                </option>
              ))}
          </select>
        </div>
        <button type="submit" className="btn">
          Save
        </button>
      </form>

      <h3 className="sub">Members</h3>
      {account.members.length === 0 ? (
        <p className="muted small">No members yet.</p>
      ) : (
        <table className="table" data-testid="member-table">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col" className="num">
                Shares
              </th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {account.members.map((m) => (
              <tr key={m.user} data-testid="member-row">
                <td>{m.user}</td>
                <td className="num">{m.shares}</td>
                <td>
                  <div className="row-actions">
                    <button type="button" className="btn btn-small" onClick={() => removeMem.mutate({ account: account.name, username: m.user })}>
                      Remove
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-form" onSubmit={addMember} noValidate>
        <div className="field">
          <label htmlFor="member-user">User</label>
          <select id="member-user" value={member} onChange={(e) => setMember(e.target.value)}>
            <option value="">choose…</option>
            {users.data?.map((u) => (
              <option key={u.username} value={u.username}>
                {u.username}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="member-shares">Member shares</label>
          <input id="member-shares" type="number" min={0} value={memberShares} onChange={(e) => setMemberShares(e.target.value)} />
        </div>
        <button type="submit" className="btn" disabled={member === ''}>
          Add member
        </button>
      </form>

      <h3 className="sub">Quotas (GPUs)</h3>
      {account.quotas.length === 0 ? (
        <p className="muted small">No quota: the account may use any idle GPU.</p>
      ) : (
        <table className="table" data-testid="quota-table">
          <thead>
            <tr>
              <th scope="col">Pool</th>
              <th scope="col" className="num">
                Guaranteed
              </th>
              <th scope="col" className="num">
                Max
              </th>
            </tr>
          </thead>
          <tbody>
            {account.quotas.map((q) => (
              <tr key={q.pool}>
                <td>{q.pool === '' ? 'all pools' : q.pool}</td>
                <td className="num">{q.guaranteedGpus ?? '—'}</td>
                <td className="num">{q.maxGpus ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-form" onSubmit={setQuota} noValidate>
        <div className="field">
          <label htmlFor="quota-pool">Pool</label>
          <input id="quota-pool" value={pool} onChange={(e) => setPool(e.target.value)} title="_all = all pools together" />
        </div>
        <div className="field">
          <label htmlFor="quota-guaranteed">Guaranteed</label>
          <input id="quota-guaranteed" type="number" min={0} value={guaranteed} onChange={(e) => setGuaranteed(e.target.value)} placeholder="none" />
        </div>
        <div className="field">
          <label htmlFor="quota-max">Max</label>
          <input id="quota-max" type="number" min={0} value={max} onChange={(e) => setMax(e.target.value)} placeholder="none" />
        </div>
        <button type="submit" className="btn">
          Set quota
        </button>
      </form>
      <p className="hint">Both limits empty removes the quota. Above its guarantee an account borrows idle GPUs, which are reclaimed when their owner needs them.</p>
    </section>
  );
}
