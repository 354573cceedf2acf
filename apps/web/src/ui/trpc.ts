'use client';

import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '../server/api/root';

/** The portal's typed tRPC hooks. Only the router's *type* is imported: no server code reaches the browser. */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
