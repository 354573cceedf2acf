import type { IncomingMessage, ServerResponse } from 'node:http';
import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { userFromRequest } from '../auth/request-user';
import type { AuthUser } from '../auth/sessions';
import { AppError, describeIssues, TRPC_CODE } from '../errors';
import type { ServiceContext } from '../services/context';

export interface TrpcContext extends ServiceContext {
  user: AuthUser | null;
  req: IncomingMessage;
  res: ServerResponse;
  secureCookies: boolean;
}

export async function createTrpcContext(base: ServiceContext & { secureCookies: boolean }, req: IncomingMessage, res: ServerResponse): Promise<TrpcContext> {
  return { ...base, req, res, user: await userFromRequest(base.db, req, base.now(), { allowCookie: true, cache: base.cache }) };
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const message = cause instanceof z.ZodError ? describeIssues(cause) : shape.message;
    return { ...shape, message, data: { ...shape.data, stack: undefined } };
  },
});

/** Services throw AppError; the UI sees the matching tRPC error with the same message. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const e = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE[e.code], message: e.message, cause: e });
  }
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(mapErrors);
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'please log in' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'admins only' });
  return next();
});
