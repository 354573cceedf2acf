import type { Health, NodeView } from '@sluice/contracts';
import type { ServiceContext } from './context';

/** Nodes with their GPUs and which job holds each. */
export async function listNodes(ctx: ServiceContext): Promise<NodeView[]> {
  const [nodes, held] = await Promise.all([
    ctx.db.node.findMany({ include: { gpus: { where: { present: true }, orderBy: { index: 'asc' } } }, orderBy: { name: 'asc' } }),
    ctx.db.allocation.findMany({ where: { releasedAt: null }, select: { gpuUuid: true, jobId: true } }),
  ]);
  const holder = new Map(held.map((a) => [a.gpuUuid, String(a.jobId)]));
  return nodes.map((n) => ({
    name: n.name,
    state: n.state === 'UP' || n.state === 'DRAIN' ? n.state : 'DOWN',
    drainReason: n.drainReason,
    cpus: n.cpus,
    memoryMiB: n.memoryMiB,
    lastSeenAt: n.lastSeenAt ? n.lastSeenAt.toISOString() : null,
    gpus: n.gpus.map((g) => ({ index: g.index, uuid: g.uuid, model: g.model, memoryMiB: g.memoryMiB, jobId: holder.get(g.uuid) ?? null })),
  }));
}

/** Liveness for load balancers and the checks: counts only nodes that are up. */
export async function health(ctx: ServiceContext): Promise<Health> {
  const [up, nodes] = await Promise.all([ctx.scheduler.isUp(), listNodes(ctx)]);
  const live = nodes.filter((n) => n.state !== 'DOWN');
  const gpus = live.flatMap((n) => n.gpus);
  return {
    status: 'ok',
    scheduler: up ? 'up' : 'down',
    nodes: live.length,
    gpus: { total: gpus.length, used: gpus.filter((g) => g.jobId !== null).length },
  };
}
