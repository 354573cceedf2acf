import { z } from 'zod';
import { createUser, listUsers, UserView, updateUser } from '../../services/users';
import { adminProcedure, router } from '../trpc';

export const usersRouter = router({
  list: adminProcedure.output(z.array(UserView)).query(({ ctx }) => listUsers(ctx, ctx.user)),
  create: adminProcedure.input(z.unknown()).output(UserView).mutation(({ ctx, input }) => createUser(ctx, ctx.user, input)),
  update: adminProcedure
    .input(z.object({ username: z.string(), changes: z.unknown() }))
    .output(UserView)
    .mutation(({ ctx, input }) => updateUser(ctx, ctx.user, input.username, input.changes)),
});
