import { z } from 'zod';
import { createUser, listUsers, UserView } from '../../services/users';
import { adminProcedure, router } from '../trpc';

export const usersRouter = router({
  list: adminProcedure.output(z.array(UserView)).query(({ ctx }) => listUsers(ctx, ctx.user)),
  create: adminProcedure.input(z.unknown()).output(UserView).mutation(({ ctx, input }) => createUser(ctx, ctx.user, input)),
});
