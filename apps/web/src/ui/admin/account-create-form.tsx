'use client';

import type { AccountView } from '@sluice/contracts';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../errors';
import { useTRPC } from '../trpc';

/** "" becomes null so the server names the empty field instead of silently using a default. */
export const num = (s: string): number | null => (s.trim() === '' ? null : Number(s));

/** Creates an account below the root or below an existing one. */
export function AccountCreateForm({ accounts, onDone }: { accounts: AccountView[]; onDone: (name: string) => void }) {
  const trpc = useTRPC();
  const [name, setName] = useState('');
  const [parent, setParent] = useState('');
  const [shares, setShares] = useState('1');
  const [description, setDescription] = useState('');
  const create = useMutation(
    trpc.accounts.create.mutationOptions({
      onSuccess: (a) => {
        setName('');
        setDescription('');
        onDone(a.name);
      },
    }),
  );
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name: name.trim(), parent: parent || null, shares: num(shares), description });
  };
  return (
    <form className="card form" onSubmit={onSubmit} noValidate>
      <h2>New account</h2>
      <div className="field">
        <label htmlFor="account-name">Account name</label>
        <input id="account-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. lab-a" />
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor="account-parent">Parent</label>
          <select id="account-parent" value={parent} onChange={(e) => setParent(e.target.value)}>
            <option value="">(root)</option>
            {accounts.map((a) => (
              <option key={a.name} value={a.name}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="account-shares">Shares</label>
          <input id="account-shares" type="number" min={0} value={shares} onChange={(e) => setShares(e.target.value)} />
        </div>
      </div>
      <div className="field">
        <label htmlFor="account-description">Description</label>
        <input id="account-description" value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      {create.isError && (
        <p className="form-error" role="alert" data-testid="form-error">
          {errorMessage(create.error)}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          Create account
        </button>
      </div>
    </form>
  );
}
