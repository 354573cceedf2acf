import { accountsRouter } from './routers/accounts';
import { authRouter } from './routers/auth';
import { clusterRouter } from './routers/cluster';
import { jobsRouter } from './routers/jobs';
import { nodesRouter } from './routers/nodes';
import { qosRouter } from './routers/qos';
import { schedulingRouter } from './routers/scheduling';
import { sessionsRouter } from './routers/sessions';
import { usersRouter } from './routers/users';
import { router } from './trpc';

/** The portal UI's API. REST v1 (src/server/rest) calls the same services. */
export const appRouter = router({
  auth: authRouter,
  jobs: jobsRouter,
  sessions: sessionsRouter,
  cluster: clusterRouter,
  users: usersRouter,
  nodes: nodesRouter,
  accounts: accountsRouter,
  qos: qosRouter,
  scheduling: schedulingRouter,
});

export type AppRouter = typeof appRouter;
