import { randomBytes } from 'node:crypto';
import { type LaunchSpec, SessionTemplate } from '@sluice/contracts';
import { type Db, recordJobEvent, recordJobEvents, type Tx } from '@sluice/db';
import type { CycleResult, NodePart, Placement } from '@sluice/scheduler-core';

/** What an agent needs to run a placed job. */
export function launchSpecFor(
  job: {
    id: number;
    kind: string;
    template: string | null;
    command: string;
    image: string | null;
    timeLimitMinutes: number;
    sessionToken: string | null;
    cpus: number | null;
    memoryMiB: number | null;
    user: { username: string; unixUser: string | null };
  },
  gpuUuids: string[],
): LaunchSpec {
  return {
    jobId: String(job.id),
    kind: job.kind === 'session' ? 'session' : 'batch',
    command: job.command,
    gpuUuids,
    timeLimitSec: job.timeLimitMinutes * 60,
    user: job.user.unixUser ?? job.user.username,
    ...(job.cpus !== null ? { cpus: job.cpus } : {}),
    ...(job.memoryMiB !== null ? { memoryMiB: job.memoryMiB } : {}),
    ...(job.kind === 'batch' && job.image ? { image: job.image } : {}),
    ...(job.kind === 'session' && job.sessionToken ? { session: { template: SessionTemplate.catch('jupyter').parse(job.template), baseUrl: `/s/${job.id}/`, token: job.sessionToken } } : {}),
  };
}

export interface Launch {
  node: string;
  spec: LaunchSpec;
}

/**
 * Applies a plan in one transaction. Each placement is re-checked against the database
 * (job still pending and not cancelled, nodes up, GPUs still free), because the portal
 * may have changed things since the snapshot. Only this function writes allocations.
 * Preempted jobs are asked to stop; they are requeued when their node confirms.
 * Returns the launches to send once the transaction has committed. (A multi-node job's
 * command runs on its first node, like a Slurm batch script; the other nodes' GPUs are
 * held for it.)
 */
export async function applyPlan(db: Db, result: CycleResult, currentReasons: Map<string, string | null>, now: Date): Promise<Launch[]> {
  return db.$transaction(async (tx) => {
    const launches = await applyStarts(tx, result.plan.start, now);
    for (const v of result.plan.preempt) {
      const r = await tx.job.updateMany({ where: { id: Number(v.jobId), state: { in: ['STARTING', 'RUNNING'] }, stopRequested: null }, data: { stopRequested: 'Preempted' } });
      if (r.count > 0) await recordJobEvent(tx, Number(v.jobId), 'PREEMPTING', `${v.reason}, for job ${v.forJobId}`);
    }
    const byReason = new Map<string, number[]>();
    for (const [jobId, why] of Object.entries(result.pending)) {
      if (currentReasons.get(jobId) === why.reason) continue;
      byReason.set(why.reason, [...(byReason.get(why.reason) ?? []), Number(jobId)]);
    }
    for (const [reason, ids] of byReason) await tx.job.updateMany({ where: { id: { in: ids }, state: 'PENDING' }, data: { reason } });
    return launches;
  });
}

/** The placements that still fit, written with a fixed number of statements however many there are. */
async function applyStarts(tx: Tx, placements: Placement[], now: Date): Promise<Launch[]> {
  if (placements.length === 0) return [];
  const partsOf = (p: Placement): NodePart[] => p.nodes ?? [{ node: p.node, gpuUuids: p.gpuUuids }];
  const [jobs, upNodes, held] = await Promise.all([
    tx.job.findMany({ where: { id: { in: placements.map((p) => Number(p.jobId)) } }, include: { user: { select: { username: true, unixUser: true } } } }),
    tx.node.findMany({ where: { state: 'UP' }, select: { name: true } }),
    tx.allocation.findMany({ where: { gpuUuid: { in: placements.flatMap((p) => partsOf(p).flatMap((x) => x.gpuUuids)) }, releasedAt: null }, select: { gpuUuid: true } }),
  ]);
  const jobById = new Map(jobs.map((j) => [j.id, j]));
  const up = new Set(upNodes.map((n) => n.name));
  const taken = new Set(held.map((a) => a.gpuUuid));
  const starts: { p: Placement; parts: NodePart[]; job: (typeof jobs)[number]; sessionToken: string | null }[] = [];
  for (const p of placements) {
    const job = jobById.get(Number(p.jobId));
    if (job?.state !== 'PENDING' || job.stopRequested) continue;
    const parts = partsOf(p);
    const all = parts.flatMap((x) => x.gpuUuids);
    if (all.length !== job.gpus || !parts.every((x) => up.has(x.node)) || all.some((g) => taken.has(g))) continue;
    for (const g of all) taken.add(g);
    starts.push({ p, parts, job, sessionToken: job.kind === 'session' ? randomBytes(24).toString('hex') : null });
  }
  if (starts.length === 0) return [];
  await tx.allocation.createMany({
    data: starts.flatMap(({ job, parts }) => parts.flatMap((x) => x.gpuUuids.map((gpuUuid) => ({ jobId: job.id, nodeName: x.node, gpuUuid, createdAt: now })))),
  });
  // Jobs placed alike are updated together; a session gets its own token.
  const alike = new Map<string, { node: string; borrowed: boolean; ids: number[] }>();
  for (const { p, job, sessionToken } of starts) {
    const borrowed = p.borrowed === true;
    if (sessionToken !== null) {
      await tx.job.update({ where: { id: job.id }, data: { state: 'STARTING', nodeName: p.node, reason: null, sessionToken, borrowed } });
      continue;
    }
    const key = `${p.node}|${borrowed}`;
    const group = alike.get(key) ?? { node: p.node, borrowed, ids: [] };
    group.ids.push(job.id);
    alike.set(key, group);
  }
  for (const g of alike.values()) await tx.job.updateMany({ where: { id: { in: g.ids } }, data: { state: 'STARTING', nodeName: g.node, reason: null, sessionToken: null, borrowed: g.borrowed } });
  await recordJobEvents(
    tx,
    starts.map(({ p, job, parts }) => ({
      jobId: job.id,
      type: 'STARTING',
      detail: parts.map((x) => `node ${x.node}, GPUs ${x.gpuUuids.join(',') || 'none'}`).join('; ') + (p.borrowed ? ' (borrowed above the account guarantee)' : ''),
    })),
  );
  return starts.map(({ p, job, sessionToken }) => ({ node: p.node, spec: launchSpecFor({ ...job, sessionToken }, p.gpuUuids) }));
}
