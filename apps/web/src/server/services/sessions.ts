import { type EndReason, type PendingReason, SessionCreateInput, type SessionState, SessionTemplate, type SessionView } from '@sluice/contracts';
import type { AuthUser } from '../auth/sessions';
import { AppError, notFound, parseInput } from '../errors';
import type { ServiceContext } from './context';
import { resolveSubmission } from './job-policy';
import { cancelJob, parseJobId } from './jobs';

/** Where the portal serves a session: everything under it is proxied to the session's server. */
export const sessionPath = (id: number | string): string => `/s/${id}/`;

/** Where a user opens a session: Jupyter's UI or a Ray cluster's dashboard through the proxy, or the portal's terminal page. */
export const sessionOpenUrl = (id: number | string, template: SessionTemplate): string => (template === 'terminal' ? `/sessions/${id}/terminal` : sessionPath(id));

/** What a session's job runs, as shown in job lists (the node agent starts the real server). */
const TEMPLATE_COMMAND = { jupyter: 'jupyter-lab', terminal: 'terminal', ray: 'ray start' } satisfies Record<SessionTemplate, string>;

interface SessionRow {
  id: number;
  template: string | null;
  state: string;
  stopRequested: string | null;
  sessionPort: number | null;
  gpus: number;
  nodeName: string | null;
  reason: string | null;
  submittedAt: Date;
  startedAt: Date | null;
  timeLimitMinutes: number;
  lastActivityAt: Date | null;
  idleStopAt: Date | null;
  /** Its GPUs, for the nodes it holds (absent: only `nodeName`). */
  allocations?: { nodeName: string }[];
}

/** Reads a session's allocations with it, in the order they were made (its first node's first). */
const WITH_NODES = { allocations: { where: { releasedAt: null }, select: { nodeName: true }, orderBy: { id: 'asc' } } } as const;

/** A session's state, told from its job's: RUNNING only once its server answers. */
export function sessionState(j: Pick<SessionRow, 'state' | 'stopRequested' | 'sessionPort'>): SessionState {
  switch (j.state) {
    case 'PENDING':
      return 'PENDING';
    case 'STARTING':
    case 'RUNNING':
      if (j.stopRequested) return 'STOPPING';
      return j.state === 'RUNNING' && j.sessionPort ? 'RUNNING' : 'STARTING';
    case 'FAILED':
    case 'NODE_FAIL':
      return 'FAILED';
    default:
      return 'STOPPED';
  }
}

export function toSessionView(j: SessionRow): SessionView {
  const state = sessionState(j);
  const template = SessionTemplate.catch('jupyter').parse(j.template);
  return {
    id: String(j.id),
    template,
    state,
    url: state === 'RUNNING' ? sessionOpenUrl(j.id, template) : null,
    gpus: j.gpus,
    node: j.nodeName,
    nodes: [...new Set([...(j.nodeName ? [j.nodeName] : []), ...(j.allocations ?? []).map((a) => a.nodeName)])],
    reason: (j.reason as PendingReason | EndReason | null) ?? null,
    createdAt: j.submittedAt.toISOString(),
    startedAt: j.startedAt ? j.startedAt.toISOString() : null,
    endsAt: j.startedAt ? new Date(j.startedAt.getTime() + j.timeLimitMinutes * 60_000).toISOString() : null,
    lastActivityAt: j.lastActivityAt ? j.lastActivityAt.toISOString() : null,
    idleStopsAt: state === 'RUNNING' && j.idleStopAt ? j.idleStopAt.toISOString() : null,
  };
}

export async function createSession(ctx: ServiceContext, caller: AuthUser, raw: unknown): Promise<SessionView> {
  const input = parseInput(SessionCreateInput, raw);
  const total = await ctx.db.gpu.count({ where: { present: true } });
  if (input.gpus > total) throw new AppError('BAD_REQUEST', `gpus: the cluster has ${total} GPUs in all`);
  const timeLimitMinutes = Math.round(input.hours * 60);
  const resolved = await resolveSubmission(ctx.db, caller, { gpus: input.gpus, timeLimitMinutes }, 'interactive', ctx.cache);
  const job = await ctx.jobs.insert(
    {
      userId: caller.id,
      name: input.template,
      kind: 'session',
      template: input.template,
      command: TEMPLATE_COMMAND[input.template],
      gpus: input.gpus,
      timeLimitMinutes,
      ...resolved,
      idleTimeoutMinutes: input.idleTimeoutMinutes ?? null,
      // A notebook or shell restarted elsewhere would lose its state: a lost session ends instead.
      requeue: false,
    },
    `session ${input.template} requested`,
  );
  ctx.scheduler.poke();
  return toSessionView(job);
}

export async function listSessions(ctx: ServiceContext, caller: AuthUser): Promise<SessionView[]> {
  const rows = await ctx.db.job.findMany({ where: { userId: caller.id, kind: 'session' }, orderBy: { id: 'desc' }, take: 100, include: WITH_NODES });
  return rows.map(toSessionView);
}

export async function getSession(ctx: ServiceContext, caller: AuthUser, rawId: string): Promise<SessionView> {
  const id = parseJobId(rawId);
  const row = id === null ? null : await ctx.db.job.findUnique({ where: { id }, include: WITH_NODES });
  if (row?.kind !== 'session' || (row.userId !== caller.id && caller.role !== 'admin')) throw notFound('session');
  return toSessionView(row);
}

export async function stopSession(ctx: ServiceContext, caller: AuthUser, rawId: string): Promise<SessionView> {
  await cancelJob(ctx, caller, rawId, 'session');
  return getSession(ctx, caller, rawId);
}
