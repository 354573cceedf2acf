import { FairshareView, QueueEntry } from '@sluice/contracts';
import { z } from 'zod';
import { getFairshare } from '../../services/fairshare';
import { listQueue } from '../../services/queue';
import { protectedProcedure, router } from '../trpc';

export const schedulingRouter = router({
  queue: protectedProcedure.output(z.array(QueueEntry)).query(({ ctx }) => listQueue(ctx, ctx.user)),
  fairshare: protectedProcedure.output(FairshareView).query(({ ctx }) => getFairshare(ctx, ctx.user)),
});
