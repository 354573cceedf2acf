'use client';

import { useMutation } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState } from 'react';
import type { AppRouter } from '../../server/api/root';
import { errorMessage } from '../errors';
import { useTRPC } from '../trpc';

type UserView = inferRouterOutputs<AppRouter>['users']['list'][number];

/** One user, editable in place: role, Unix user, default account (one of theirs). */
export function UserRow({ user, onSaved }: { user: UserView; onSaved: () => void }) {
  const trpc = useTRPC();
  const [role, setRole] = useState(user.role);
  const [unixUser, setUnixUser] = useState(user.unixUser ?? '');
  const [defaultAccount, setDefaultAccount] = useState(user.defaultAccount ?? '');
  const save = useMutation(trpc.users.update.mutationOptions({ onSuccess: onSaved }));
  const changed = role !== user.role || unixUser !== (user.unixUser ?? '') || defaultAccount !== (user.defaultAccount ?? '');
  return (
    <tr data-testid="user-row" data-user={user.username}>
      <td>
        <strong>{user.username}</strong>
        {save.isError && (
          <p className="form-error small" role="alert">
            {errorMessage(save.error)}
          </p>
        )}
      </td>
      <td>
        <select aria-label={`Role of ${user.username}`} value={role} onChange={(e) => setRole(e.target.value === 'admin' ? 'admin' : 'user')}>
          <option value="user">user</option>
          <option value="admin">admin</option>
        </select>
      </td>
      <td>
        <input aria-label={`Unix user of ${user.username}`} value={unixUser} placeholder={user.username} onChange={(e) => setUnixUser(e.target.value)} />
      </td>
      <td>
        <select aria-label={`Default account of ${user.username}`} value={defaultAccount} onChange={(e) => setDefaultAccount(e.target.value)}>
          <option value="">(first membership)</option>
          {user.accounts.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </td>
      <td className="small">{user.accounts.join(', ') || '—'}</td>
      <td>
        <div className="row-actions">
          <button
            type="button"
            className="btn btn-small"
            disabled={!changed || save.isPending}
            onClick={() => save.mutate({ username: user.username, changes: { role, unixUser: unixUser.trim() || null, defaultAccount: defaultAccount || null } })}
          >
            Save
          </button>
        </div>
      </td>
    </tr>
  );
}
