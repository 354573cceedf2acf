import { NodeDetailView } from '@sluice/contracts';
import { z } from 'zod';
import { drainNode, getNodeDetail, undrainNode } from '../../services/node-admin';
import { adminProcedure, protectedProcedure, router } from '../trpc';

const byName = z.object({ name: z.string().min(1) });

export const nodesRouter = router({
  get: protectedProcedure.input(byName).output(NodeDetailView).query(({ ctx, input }) => getNodeDetail(ctx, input.name)),
  drain: adminProcedure
    .input(byName.extend({ reason: z.unknown() }))
    .output(NodeDetailView)
    .mutation(({ ctx, input }) => drainNode(ctx, ctx.user, input.name, { reason: input.reason })),
  undrain: adminProcedure.input(byName).output(NodeDetailView).mutation(({ ctx, input }) => undrainNode(ctx, ctx.user, input.name)),
});
