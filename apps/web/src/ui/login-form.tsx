'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { errorMessage, safeNext } from './errors';
import { useTRPC } from './trpc';

export function LoginForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const next = safeNext(useSearchParams().get('next'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const userInput = useRef<HTMLInputElement>(null);
  useEffect(() => userInput.current?.focus(), []);
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 0 }));
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: (user) => {
        queryClient.setQueryData(trpc.auth.me.queryKey(), user);
        router.replace(next);
      },
    }),
  );

  // Already logged in: nothing to do here.
  useEffect(() => {
    if (me.data) router.replace(next);
  }, [me.data, next, router]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ username, password });
  };

  return (
    <form className="card login-card" onSubmit={submit} noValidate>
      <h1 className="login-title">
        <span className="brand">Sluice</span> GPU cluster
      </h1>
      <p className="muted">Log in to submit jobs and start sessions.</p>
      <div className="field">
        <label htmlFor="username">Username</label>
        <input id="username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} ref={userInput} />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </div>
      {login.isError && (
        <p className="form-error" role="alert" data-testid="form-error">
          {errorMessage(login.error)}
        </p>
      )}
      <button type="submit" className="btn btn-primary btn-block" disabled={login.isPending || login.isSuccess}>
        {login.isPending ? 'Logging in…' : 'Log in'}
      </button>
    </form>
  );
}
