import { Health, NodeView } from '@sluice/contracts';
import { z } from 'zod';
import { health, listNodes } from '../../services/cluster';
import { protectedProcedure, router } from '../trpc';

export const clusterRouter = router({
  nodes: protectedProcedure.output(z.array(NodeView)).query(({ ctx }) => listNodes(ctx)),
  health: protectedProcedure.output(Health).query(({ ctx }) => health(ctx)),
});
