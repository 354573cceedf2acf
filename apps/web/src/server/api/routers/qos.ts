import { QosView } from '@sluice/contracts';
import { z } from 'zod';
import { createQos, deleteQos, listQos, updateQos } from '../../services/qos';
import { adminProcedure, protectedProcedure, router } from '../trpc';

export const qosRouter = router({
  list: protectedProcedure.output(z.array(QosView)).query(({ ctx }) => listQos(ctx)),
  create: adminProcedure.input(z.unknown()).output(QosView).mutation(({ ctx, input }) => createQos(ctx, ctx.user, input)),
  update: adminProcedure
    .input(z.object({ name: z.string(), changes: z.unknown() }))
    .output(QosView)
    .mutation(({ ctx, input }) => updateQos(ctx, ctx.user, input.name, input.changes)),
  delete: adminProcedure
    .input(z.object({ name: z.string() }))
    .output(z.object({ deleted: z.string() }))
    .mutation(({ ctx, input }) => deleteQos(ctx, ctx.user, input.name)),
});
