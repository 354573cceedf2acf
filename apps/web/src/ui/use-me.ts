'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from './trpc';

/** The logged-in user (already loaded by the app shell, so this reads the cache). */
export function useMe() {
  const trpc = useTRPC();
  return useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 30_000 })).data ?? null;
}
