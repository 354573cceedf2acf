import {
  Health,
  JobList,
  JobSubmitInput,
  JobView,
  NodeDetailView,
  NodeDrainInput,
  NodeView,
  SessionCreateInput,
  SessionView,
  TokenCreated,
} from '@sluice/contracts';
import { z } from 'zod';
import { checkCredentials, issueApiToken } from '../auth/api-tokens';
import { AppError } from '../errors';
import { health, listNodes } from '../services/cluster';
import { cancelJob, getJob, listJobs, readJobLog, submitJob } from '../services/jobs';
import { createJoinToken, JoinTokenCreated, JoinTokenInput } from '../services/join-tokens';
import { drainNode, getNodeDetail, undrainNode } from '../services/node-admin';
import { createSession, getSession, stopSession } from '../services/sessions';
import { adminRoutes } from './admin-routes';
import { openApiDocument } from './openapi';
import { must, type Route } from './route';
import { schedulingRoutes } from './scheduling-routes';

/** Decodes an HTTP Basic header into username and password. */
export function basicCredentials(header: string | undefined): { username: string; password: string } {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  const decoded = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8') : '';
  const i = decoded.indexOf(':');
  if (i <= 0) throw new AppError('UNAUTHORIZED', 'HTTP Basic username and password required');
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

/** REST v1: the same services as the portal's UI. */
export const routes: Route[] = [
  {
    method: 'GET',
    path: '/api/health',
    auth: 'none',
    summary: 'Liveness: scheduler, nodes up, GPUs total and in use',
    output: Health,
    handler: async ({ ctx }) => ({ json: await health(ctx) }),
  },
  {
    method: 'GET',
    path: '/api/v1/openapi.json',
    auth: 'none',
    summary: 'This document',
    handler: async () => ({ json: openApiDocument(routes) }),
  },
  {
    method: 'POST',
    path: '/api/v1/tokens',
    auth: 'basic',
    summary: 'Exchange a username and password (HTTP Basic) for an API bearer token',
    output: TokenCreated,
    status: 201,
    handler: async ({ ctx, req }) => {
      const { username, password } = basicCredentials(req.headers.authorization);
      const user = await checkCredentials(ctx.db, username, password);
      const t = await issueApiToken(ctx.db, user.id, ctx.now(), 'api');
      return { json: { token: t.token, expiresAt: t.expiresAt.toISOString() } };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/jobs',
    auth: 'bearer',
    summary: 'Submit a batch job',
    input: JobSubmitInput,
    output: JobView,
    status: 201,
    handler: async ({ ctx, user, body }) => ({ json: await submitJob(ctx, must(user), body) }),
  },
  {
    method: 'GET',
    path: '/api/v1/jobs',
    auth: 'bearer',
    summary: 'My jobs, newest first (admins: ?all=true for everyone\'s)',
    output: JobList,
    handler: async ({ ctx, user, query }) => ({
      json: { jobs: await listJobs(ctx, must(user), { all: query.get('all') === 'true', kind: 'batch', limit: Number(query.get('limit') ?? 200) || 200 }) },
    }),
  },
  {
    method: 'GET',
    path: '/api/v1/jobs/:id',
    auth: 'bearer',
    summary: 'One job: state, exit code, reason while pending',
    output: JobView,
    handler: async ({ ctx, user, params }) => ({ json: await getJob(ctx, must(user), params.id ?? '') }),
  },
  {
    method: 'GET',
    path: '/api/v1/jobs/:id/logs',
    auth: 'bearer',
    summary: 'A job\'s output as text (?offset=N for what came after byte N; header X-Log-Size)',
    textOutput: true,
    handler: async ({ ctx, user, params, query }) => {
      const log = await readJobLog(ctx, must(user), params.id ?? '', Number(query.get('offset') ?? 0) || 0);
      return { text: log.text, headers: { 'x-log-size': String(log.size), 'x-log-next-offset': String(log.next) } };
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/jobs/:id',
    auth: 'bearer',
    summary: 'Cancel a job',
    output: JobView,
    status: 202,
    handler: async ({ ctx, user, params }) => ({ json: await cancelJob(ctx, must(user), params.id ?? '', 'batch') }),
  },
  {
    method: 'POST',
    path: '/api/v1/sessions',
    auth: 'bearer',
    summary: 'Start an interactive session from a template (jupyter, terminal)',
    input: SessionCreateInput,
    output: SessionView,
    status: 201,
    handler: async ({ ctx, user, body }) => ({ json: await createSession(ctx, must(user), body) }),
  },
  {
    method: 'GET',
    path: '/api/v1/sessions/:id',
    auth: 'bearer',
    summary: 'One session; `url` (a portal path) once RUNNING',
    output: SessionView,
    handler: async ({ ctx, user, params }) => ({ json: await getSession(ctx, must(user), params.id ?? '') }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/sessions/:id',
    auth: 'bearer',
    summary: 'Stop a session',
    output: SessionView,
    status: 202,
    handler: async ({ ctx, user, params }) => ({ json: await stopSession(ctx, must(user), params.id ?? '') }),
  },
  {
    method: 'GET',
    path: '/api/v1/nodes',
    auth: 'bearer',
    summary: 'Nodes, their state and GPUs, and which job holds each GPU',
    output: z.object({ nodes: z.array(NodeView) }),
    handler: async ({ ctx, user }) => {
      must(user);
      return { json: { nodes: await listNodes(ctx) } };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/join-tokens',
    auth: 'bearer',
    summary: 'Issue a single-use, expiring token a new node joins with (admins); shown once',
    input: JoinTokenInput,
    output: JoinTokenCreated,
    status: 201,
    handler: async ({ ctx, user, body }) => ({ json: await createJoinToken(ctx, must(user), body) }),
  },
  {
    method: 'GET',
    path: '/api/v1/nodes/:name',
    auth: 'bearer',
    summary: 'One node: state and drain reason, hardware inventory, GPU metrics and health, hardware history',
    output: NodeDetailView,
    handler: async ({ ctx, user, params }) => {
      must(user);
      return { json: await getNodeDetail(ctx, params.name ?? '') };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/nodes/:name/drain',
    auth: 'bearer',
    summary: 'Take a node out of scheduling with a reason (admins); running work goes on',
    input: NodeDrainInput,
    output: NodeDetailView,
    handler: async ({ ctx, user, params, body }) => ({ json: await drainNode(ctx, must(user), params.name ?? '', body) }),
  },
  {
    method: 'POST',
    path: '/api/v1/nodes/:name/undrain',
    auth: 'bearer',
    summary: 'Put a drained node back into scheduling (admins)',
    output: NodeDetailView,
    handler: async ({ ctx, user, params }) => ({ json: await undrainNode(ctx, must(user), params.name ?? '') }),
  },
  ...schedulingRoutes,
  ...adminRoutes,
];
