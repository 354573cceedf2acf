import { FairshareView, QueueView } from '@sluice/contracts';
import { getFairshare } from '../services/fairshare';
import { listQueue } from '../services/queue';
import { must, type Route } from './route';

/** The queue and fair-share standing: public to every logged-in user, like squeue and sshare. */
export const schedulingRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/queue',
    auth: 'bearer',
    summary: "Everyone's pending jobs in queue order, with position, reason, estimated start and priority (others' job names and commands hidden unless admin)",
    output: QueueView,
    handler: async ({ ctx, user }) => ({ json: { jobs: await listQueue(ctx, must(user)) } }),
  },
  {
    method: 'GET',
    path: '/api/v1/fairshare',
    auth: 'bearer',
    summary: "Fair-share standing of every account (and of the users of the caller's accounts; admins: all users), with a plain-words summary per row",
    output: FairshareView,
    handler: async ({ ctx, user }) => ({ json: await getFairshare(ctx, must(user)) }),
  },
];
