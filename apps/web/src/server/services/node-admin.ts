import { GpuReport, type NodeDetailView, NodeDrainInput, NodeHardware } from '@sluice/contracts';
import type { AuthUser } from '../auth/sessions';
import { AppError, notFound, parseInput } from '../errors';
import type { ServiceContext } from './context';

/** How much of a node's hardware history the detail view carries, newest first. */
const HISTORY_LIMIT = 200;
/** An undrained node counts as up only if its agent was heard from this recently; otherwise DOWN until it says hello. */
const RECENTLY_SEEN_MS = 60_000;

const parseJson = <T>(text: string | null | undefined, schema: { safeParse(v: unknown): { data?: T } }): T | null => {
  if (!text) return null;
  try {
    return schema.safeParse(JSON.parse(text)).data ?? null;
  } catch {
    return null;
  }
};

/** One node: state, drain reason, hardware inventory, each GPU's latest metrics and health, hardware history. */
export async function getNodeDetail(ctx: ServiceContext, name: string): Promise<NodeDetailView> {
  const [node, held, metrics, history] = await Promise.all([
    ctx.db.node.findUnique({ where: { name }, include: { gpus: { where: { present: true }, orderBy: { index: 'asc' } } } }),
    ctx.db.allocation.findMany({ where: { releasedAt: null, nodeName: name }, select: { gpuUuid: true, jobId: true } }),
    ctx.db.schedulerState.findUnique({ where: { key: `gpu-metrics:${name}` } }),
    ctx.db.nodeHardwareEvent.findMany({ where: { nodeName: name }, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: HISTORY_LIMIT }),
  ]);
  if (!node) throw notFound(`node ${name}`);
  const holder = new Map(held.map((a) => [a.gpuUuid, String(a.jobId)]));
  const report = parseJson(metrics?.value, GpuReport);
  return {
    name: node.name,
    state: node.state === 'UP' || node.state === 'DRAIN' ? node.state : 'DOWN',
    drainReason: node.drainReason,
    pool: node.pool,
    hostname: node.hostname,
    cpus: node.cpus,
    memoryMiB: node.memoryMiB,
    gpuSource: node.gpuSource,
    lastSeenAt: node.lastSeenAt?.toISOString() ?? null,
    hardware: parseJson(node.inventory, NodeHardware),
    metricsAt: report?.at ?? null,
    gpus: node.gpus.map((g) => ({
      index: g.index,
      uuid: g.uuid,
      model: g.model,
      memoryMiB: g.memoryMiB,
      nvlinkDomain: g.nvlinkDomain,
      jobId: holder.get(g.uuid) ?? null,
      sample: report?.gpus.find((s) => s.uuid === g.uuid) ?? null,
      problems: report?.problems.filter((p) => p.uuid === g.uuid || p.uuid === null) ?? [],
    })),
    history: history.map((e) => ({ id: e.id, at: e.at.toISOString(), type: e.type, component: e.component, detail: e.detail })),
  };
}

const mustBeAdmin = (caller: AuthUser) => {
  if (caller.role !== 'admin') throw new AppError('FORBIDDEN', 'only admins drain and undrain nodes');
};

/** Takes a node out of scheduling: running work goes on, nothing new starts there. */
export async function drainNode(ctx: ServiceContext, caller: AuthUser, name: string, raw: unknown): Promise<NodeDetailView> {
  mustBeAdmin(caller);
  const { reason } = parseInput(NodeDrainInput, raw);
  await ctx.db.$transaction(async (tx) => {
    if (!(await tx.node.findUnique({ where: { name } }))) throw notFound(`node ${name}`);
    await tx.node.update({ where: { name }, data: { state: 'DRAIN', drainReason: reason } });
    await tx.nodeHardwareEvent.create({ data: { nodeName: name, at: ctx.now(), type: 'drain', component: 'node', detail: `by ${caller.username}: ${reason}` } });
  });
  return getNodeDetail(ctx, name);
}

/** Puts a drained node back into scheduling (after the admin fixed what drained it). */
export async function undrainNode(ctx: ServiceContext, caller: AuthUser, name: string): Promise<NodeDetailView> {
  mustBeAdmin(caller);
  const now = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    const node = await tx.node.findUnique({ where: { name } });
    if (!node) throw notFound(`node ${name}`);
    if (node.state !== 'DRAIN') throw new AppError('CONFLICT', `node ${name} is not drained (it is ${node.state})`);
    const seen = node.lastSeenAt !== null && now.getTime() - node.lastSeenAt.getTime() < RECENTLY_SEEN_MS;
    await tx.node.update({ where: { name }, data: { state: seen ? 'UP' : 'DOWN', drainReason: null } });
    const was = node.drainReason ? ` (was: ${node.drainReason})` : '';
    await tx.nodeHardwareEvent.create({ data: { nodeName: name, at: now, type: 'undrain', component: 'node', detail: `by ${caller.username}${was}` } });
  });
  ctx.scheduler.poke();
  return getNodeDetail(ctx, name);
}
