import { JobView } from '@sluice/contracts';
import { z } from 'zod';
import { cancelJob, getJob, listJobs, readJobLog, submitJob } from '../../services/jobs';
import { protectedProcedure, router } from '../trpc';

const Id = z.object({ id: z.string() });

export const jobsRouter = router({
  list: protectedProcedure
    .input(z.object({ all: z.boolean().default(false) }).default({ all: false }))
    .output(z.array(JobView))
    .query(({ ctx, input }) => listJobs(ctx, ctx.user, { all: input.all, kind: 'batch' })),
  get: protectedProcedure.input(Id).output(JobView).query(({ ctx, input }) => getJob(ctx, ctx.user, input.id)),
  // Input is validated by the service with the same schema REST uses.
  submit: protectedProcedure.input(z.unknown()).output(JobView).mutation(({ ctx, input }) => submitJob(ctx, ctx.user, input)),
  cancel: protectedProcedure.input(Id).output(JobView).mutation(({ ctx, input }) => cancelJob(ctx, ctx.user, input.id, 'batch')),
  logs: protectedProcedure
    .input(z.object({ id: z.string(), offset: z.number().int().min(0).default(0) }))
    .output(z.object({ text: z.string(), size: z.number(), next: z.number() }))
    .query(({ ctx, input }) => readJobLog(ctx, ctx.user, input.id, input.offset)),
});
