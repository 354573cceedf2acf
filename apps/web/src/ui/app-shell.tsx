'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { type ReactNode, useEffect } from 'react';
import { errorMessage } from './errors';
import { useTRPC } from './trpc';

const LINKS = [
  { href: '/', label: 'Dashboard' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/jobs/new', label: 'Submit job' },
  { href: '/queue', label: 'Queue' },
  { href: '/fairshare', label: 'Fair share' },
  { href: '/sessions', label: 'Sessions' },
  { href: '/nodes', label: 'Nodes' },
] as const;

const ADMIN_LINKS = [
  { href: '/admin/accounts', label: 'Accounts' },
  { href: '/admin/qos', label: 'QOS' },
  { href: '/admin/users', label: 'Users' },
] as const;

function isActive(href: string, pathname: string): boolean {
  if (href === '/') return pathname === '/';
  if (href === '/jobs') return pathname.startsWith('/jobs') && !pathname.startsWith('/jobs/new');
  return pathname === href || pathname.startsWith(`${href}/`);
}

/** Every page but /login: the top nav, and a redirect to /login when nobody is logged in. */
export function AppShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  if (pathname === '/login') return <main className="auth-main">{children}</main>;
  return <Guarded pathname={pathname}>{children}</Guarded>;
}

function Guarded({ children, pathname }: { children: ReactNode; pathname: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 30_000 }));
  const logout = useMutation(trpc.auth.logout.mutationOptions({ onSettled: () => window.location.assign('/login') }));

  useEffect(() => {
    if (me.data !== null) return;
    const here = window.location.pathname + window.location.search;
    router.replace(`/login?next=${encodeURIComponent(here)}`);
  }, [me.data, router]);

  return (
    <>
      <header className="topbar">
        <nav className="topnav" aria-label="Main">
          <Link href="/" className="brand">
            Sluice
          </Link>
          {[...LINKS, ...(me.data?.role === 'admin' ? ADMIN_LINKS : [])].map((l) => (
            <Link key={l.href} href={l.href} className={isActive(l.href, pathname) ? 'navlink active' : 'navlink'} aria-current={isActive(l.href, pathname) ? 'page' : undefined}>
              {l.label}
            </Link>
          ))}
        </nav>
        {me.data && (
          <div className="whoami">
            <span className="username" data-testid="username">
              {me.data.username}
            </span>
            {me.data.role === 'admin' && <span className="role">admin</span>}
            <button type="button" className="btn btn-ghost" onClick={() => logout.mutate()} disabled={logout.isPending}>
              Log out
            </button>
          </div>
        )}
      </header>
      <main className="content">
        {me.isPending && <p className="muted">Loading…</p>}
        {me.isError && (
          <div className="alert" role="alert">
            Could not reach the portal: {errorMessage(me.error)}{' '}
            <button type="button" className="btn btn-small" onClick={() => void me.refetch()}>
              Retry
            </button>
          </div>
        )}
        {me.data && children}
      </main>
    </>
  );
}
