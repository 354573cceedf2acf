import type { NodeInventory } from '@sluice/contracts';
import type { Db } from '@sluice/db';
import { finishJob } from './job-lifecycle';

export interface Reconciliation {
  /** Jobs the agent runs that the scheduler does not know as active: stop them. */
  stop: string[];
  /** Jobs placed on this node but not yet running there: launch them (again). */
  relaunch: number[];
}

/**
 * A node said hello: record its inventory, mark it up (a drained node stays drained),
 * and reconcile what it runs with what the database says, so nothing is orphaned
 * and nothing runs twice.
 */
export async function registerNode(db: Db, inv: NodeInventory, running: string[], now: Date): Promise<Reconciliation> {
  return db.$transaction(async (tx) => {
    const existing = await tx.node.findUnique({ where: { name: inv.name } });
    const state = existing?.state === 'DRAIN' ? 'DRAIN' : 'UP';
    const data = { hostname: inv.hostname, cpus: inv.cpus, memoryMiB: inv.memoryMiB, gpuSource: inv.gpuSource, lastSeenAt: now, state };
    const node = await tx.node.upsert({ where: { name: inv.name }, create: { name: inv.name, ...data }, update: data });
    const seen = inv.gpus.map((g) => g.uuid);
    await tx.gpu.updateMany({ where: { nodeId: node.id, uuid: { notIn: seen } }, data: { present: false } });
    for (const g of inv.gpus) {
      const gpu = { nodeId: node.id, index: g.index, model: g.model, memoryMiB: g.memoryMiB, present: true };
      await tx.gpu.upsert({ where: { uuid: g.uuid }, create: { uuid: g.uuid, ...gpu }, update: gpu });
    }
    const active = await tx.job.findMany({ where: { nodeName: inv.name, state: { in: ['STARTING', 'RUNNING'] } }, select: { id: true, state: true } });
    const runningSet = new Set(running);
    const relaunch: number[] = [];
    for (const j of active) {
      if (runningSet.has(String(j.id))) continue;
      if (j.state === 'STARTING') relaunch.push(j.id);
      else await finishJob(tx, j.id, { state: 'NODE_FAIL', reason: 'NodeLost', detail: `${inv.name} restarted without it` }, now);
    }
    const activeIds = new Set(active.map((j) => String(j.id)));
    return { stop: running.filter((id) => !activeIds.has(id)), relaunch };
  });
}

export async function touchNode(db: Db, name: string, now: Date): Promise<void> {
  await db.node.updateMany({ where: { name }, data: { lastSeenAt: now } });
}

/**
 * Heals a lost `exited` message: an agent handles its messages in order, so a job the scheduler
 * saw start on this node that is missing from a later heartbeat's list has ended there. Its exit
 * code is unknown: it ends FAILED (reason NodeLost), its GPUs are released. Returns those jobs.
 */
export async function endJobsGoneFromNode(db: Db, name: string, running: string[], now: Date): Promise<number[]> {
  const runningSet = new Set(running);
  const active = await db.job.findMany({ where: { nodeName: name, state: 'RUNNING' }, select: { id: true } });
  const gone = active.filter((j) => !runningSet.has(String(j.id))).map((j) => j.id);
  for (const id of gone)
    await db.$transaction((tx) => finishJob(tx, id, { state: 'FAILED', reason: 'NodeLost', detail: `${name} no longer runs it; its end was not recorded` }, now));
  return gone;
}

export async function markNodeDown(db: Db, name: string): Promise<void> {
  await db.node.updateMany({ where: { name, state: 'UP' }, data: { state: 'DOWN' } });
}

/** Nodes silent for longer than the timeout are down; their jobs end as NODE_FAIL. */
export async function failSilentNodes(db: Db, now: Date, timeoutMs: number): Promise<string[]> {
  const cutoff = new Date(now.getTime() - timeoutMs);
  return db.$transaction(async (tx) => {
    const silent = await tx.node.findMany({ where: { lastSeenAt: { lt: cutoff } }, select: { name: true, state: true } });
    const failed: string[] = [];
    for (const n of silent) {
      if (n.state === 'UP') await tx.node.update({ where: { name: n.name }, data: { state: 'DOWN' } });
      const jobs = await tx.job.findMany({ where: { nodeName: n.name, state: { in: ['STARTING', 'RUNNING'] } }, select: { id: true } });
      for (const j of jobs) {
        if (await finishJob(tx, j.id, { state: 'NODE_FAIL', reason: 'NodeLost', detail: `${n.name} silent since ${cutoff.toISOString()}` }, now))
          failed.push(String(j.id));
      }
    }
    return failed;
  });
}
