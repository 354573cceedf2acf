'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { UserRow } from '../../../ui/admin/user-row';
import { errorMessage } from '../../../ui/errors';
import { useTRPC } from '../../../ui/trpc';

export default function UsersAdminPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'user' | 'admin'>('user');
  const [unixUser, setUnixUser] = useState('');
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: () => {
        setUsername('');
        setPassword('');
        setUnixUser('');
        refresh();
      },
    }),
  );
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ username: username.trim(), password, role, ...(unixUser.trim() ? { unixUser: unixUser.trim() } : {}) });
  };

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Users</h1>
          <p className="muted small">Local users, the Unix account their jobs run as, and the account charged when a job names none.</p>
        </div>
      </div>
      {users.isError && (
        <p className="alert" role="alert">
          {errorMessage(users.error)}
        </p>
      )}
      <div className="admin-stack">
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Unix user</th>
                <th scope="col">Default account</th>
                <th scope="col">Accounts</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {(users.data ?? []).map((u) => (
                <UserRow key={`${u.username}:${u.role}:${u.unixUser}:${u.defaultAccount}`} user={u} onSaved={refresh} />
              ))}
            </tbody>
          </table>
        </div>
        <form className="card form" onSubmit={onSubmit} noValidate>
          <h2>New user</h2>
          <div className="field">
            <label htmlFor="new-username">Username</label>
            <input id="new-username" autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="new-password">Password</label>
            <input id="new-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </div>
          <div className="field-row">
            <div className="field">
              <label htmlFor="new-role">Role</label>
              <select id="new-role" value={role} onChange={(e) => setRole(e.target.value === 'admin' ? 'admin' : 'user')}>
                <option value="user">user</option>
                <option value="admin">admin</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="new-unix-user">Unix user</label>
              <input id="new-unix-user" placeholder="same as username" value={unixUser} onChange={(e) => setUnixUser(e.target.value)} />
            </div>
          </div>
          {create.isError && (
            <p className="form-error" role="alert" data-testid="form-error">
              {errorMessage(create.error)}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={create.isPending}>
              Create user
            </button>
          </div>
        </form>
      </div>
    </>
  );
}
