import { z } from 'zod';
import { checkCredentials } from '../../auth/api-tokens';
import { clearSessionCookie, createSession, invalidateSession, readCookie, SESSION_COOKIE, sessionCookie } from '../../auth/sessions';
import { protectedProcedure, publicProcedure, router } from '../trpc';

const Me = z.object({ id: z.number(), username: z.string(), role: z.enum(['admin', 'user']) });

export const authRouter = router({
  me: publicProcedure.output(Me.nullable()).query(({ ctx }) => ctx.user),
  login: publicProcedure
    .input(z.object({ username: z.string().trim().min(1, 'username is required').max(128), password: z.string().min(1, 'password is required').max(1024) }))
    .output(Me)
    .mutation(async ({ ctx, input }) => {
      const user = await checkCredentials(ctx.db, input.username, input.password);
      const s = await createSession(ctx.db, user.id, ctx.now());
      ctx.res.setHeader('set-cookie', sessionCookie(s.token, s.expiresAt, ctx.secureCookies));
      return user;
    }),
  logout: protectedProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    const token = readCookie(ctx.req.headers.cookie, SESSION_COOKIE);
    if (token) await invalidateSession(ctx.db, token);
    ctx.res.setHeader('set-cookie', clearSessionCookie(ctx.secureCookies));
    return { ok: true as const };
  }),
});
