import { SessionView } from '@sluice/contracts';
import { z } from 'zod';
import { createSession, getSession, listSessions, stopSession } from '../../services/sessions';
import { protectedProcedure, router } from '../trpc';

const Id = z.object({ id: z.string() });

export const sessionsRouter = router({
  list: protectedProcedure.output(z.array(SessionView)).query(({ ctx }) => listSessions(ctx, ctx.user)),
  get: protectedProcedure.input(Id).output(SessionView).query(({ ctx, input }) => getSession(ctx, ctx.user, input.id)),
  create: protectedProcedure.input(z.unknown()).output(SessionView).mutation(({ ctx, input }) => createSession(ctx, ctx.user, input)),
  stop: protectedProcedure.input(Id).output(SessionView).mutation(({ ctx, input }) => stopSession(ctx, ctx.user, input.id)),
});
