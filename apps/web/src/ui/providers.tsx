'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { type ReactNode, useState } from 'react';
import type { AppRouter } from '../server/api/root';
import { errorCode } from './errors';
import { TRPCProvider } from './trpc';

/** Sends the browser to the login page when the session has expired mid-use. */
function onUnauthorized(err: unknown): void {
  if (errorCode(err) !== 'UNAUTHORIZED' || typeof window === 'undefined') return;
  const here = window.location.pathname + window.location.search;
  if (window.location.pathname === '/login') return;
  window.location.assign(`/login?next=${encodeURIComponent(here)}`);
}

function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: onUnauthorized }),
    mutationCache: new MutationCache({
      onError: (err, _vars, _ctx, mutation) => {
        // A wrong password is also UNAUTHORIZED: the login form shows that message itself.
        if (mutation.options.mutationKey?.flat().includes('login')) return;
        onUnauthorized(err);
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 1000,
        refetchOnWindowFocus: true,
        retry: (count, err) => count < 2 && !['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_REQUEST'].includes(errorCode(err) ?? ''),
      },
    },
  });
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() => createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/api/trpc' })] }));
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
