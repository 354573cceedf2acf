import type { NodeInventory } from '@sluice/contracts';
import type { Db, Tx } from '@sluice/db';
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
 * and nothing runs twice. The ends it reports are recorded before (recordExits), so a job
 * active here that it does not run has no known end: a running one is lost with the node
 * (NODE_FAIL, requeued where it allows), a starting one is launched again (launch is
 * idempotent on the agent, also across its restarts).
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
    const placed = await placedOn(tx, inv.name);
    return { stop: running.filter((id) => !placed.has(id)), relaunch };
  });
}

/** Ids of the jobs that may run on a node: active and placed there, or holding one of its GPUs (a job larger than one node). */
async function placedOn(db: Db | Tx, node: string): Promise<Set<string>> {
  const jobs = await db.job.findMany({
    where: { state: { in: ['STARTING', 'RUNNING'] }, OR: [{ nodeName: node }, { allocations: { some: { nodeName: node, releasedAt: null } } }] },
    select: { id: true },
  });
  return new Set(jobs.map((j) => String(j.id)));
}

export async function touchNode(db: Db, name: string, now: Date): Promise<void> {
  await db.node.updateMany({ where: { name }, data: { lastSeenAt: now } });
}

/**
 * What a heartbeat's list of running jobs says. A job the scheduler saw start on this node that
 * the node neither runs nor reports ended (its records are gone, e.g. a wiped state dir) has
 * ended there with an unknown exit code: FAILED (reason NodeLost), GPUs released (`gone`).
 * Ends the node reports are recorded before this is asked, so only such jobs are left. A job the
 * node runs that the scheduler does not know as placed there (it ended, was requeued, or never
 * existed) is to be stopped and discarded (`unexpected`).
 */
export async function reconcileRunning(db: Db, name: string, running: string[], now: Date): Promise<{ gone: number[]; unexpected: string[] }> {
  const runningSet = new Set(running);
  const active = await db.job.findMany({ where: { nodeName: name, state: { in: ['STARTING', 'RUNNING'] } }, select: { id: true, state: true } });
  const gone = active.filter((j) => j.state === 'RUNNING' && !runningSet.has(String(j.id))).map((j) => j.id);
  for (const id of gone)
    await db.$transaction((tx) => finishJob(tx, id, { state: 'FAILED', reason: 'NodeLost', detail: `${name} no longer runs it and has no record of its end` }, now));
  const placed = await placedOn(db, name);
  return { gone, unexpected: running.filter((id) => !placed.has(id)) };
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
