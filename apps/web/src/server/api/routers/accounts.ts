import { AccountView } from '@sluice/contracts';
import { z } from 'zod';
import { createAccount, deleteAccount, listAccounts, myAccounts, removeMember, setMember, setQuota, updateAccount } from '../../services/accounts';
import { adminProcedure, protectedProcedure, router } from '../trpc';

// Inputs are validated by the services with the same schemas REST uses.
const Name = z.object({ name: z.string() });
const Member = z.object({ account: z.string(), username: z.string() });
const Deleted = z.object({ deleted: z.string() });

export const accountsRouter = router({
  list: adminProcedure.output(z.array(AccountView)).query(({ ctx }) => listAccounts(ctx, ctx.user)),
  mine: protectedProcedure.output(z.object({ accounts: z.array(z.string()), defaultAccount: z.string() })).query(({ ctx }) => myAccounts(ctx, ctx.user)),
  create: adminProcedure.input(z.unknown()).output(AccountView).mutation(({ ctx, input }) => createAccount(ctx, ctx.user, input)),
  update: adminProcedure
    .input(Name.extend({ changes: z.unknown() }))
    .output(AccountView)
    .mutation(({ ctx, input }) => updateAccount(ctx, ctx.user, input.name, input.changes)),
  delete: adminProcedure.input(Name).output(Deleted).mutation(({ ctx, input }) => deleteAccount(ctx, ctx.user, input.name)),
  setMember: adminProcedure
    .input(Member.extend({ shares: z.unknown() }))
    .output(AccountView)
    .mutation(({ ctx, input }) => setMember(ctx, ctx.user, input.account, input.username, { shares: input.shares })),
  removeMember: adminProcedure.input(Member).output(AccountView).mutation(({ ctx, input }) => removeMember(ctx, ctx.user, input.account, input.username)),
  setQuota: adminProcedure
    .input(z.object({ account: z.string(), pool: z.string(), limits: z.unknown() }))
    .output(AccountView)
    .mutation(({ ctx, input }) => setQuota(ctx, ctx.user, input.account, input.pool, input.limits)),
});
