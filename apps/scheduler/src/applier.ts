import { randomBytes } from 'node:crypto';
import { type LaunchSpec, SessionTemplate } from '@sluice/contracts';
import { type Db, recordJobEvent, type Tx } from '@sluice/db';
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
    const launches: Launch[] = [];
    for (const p of result.plan.start) {
      const launch = await applyStart(tx, p, now);
      if (launch) launches.push(launch);
    }
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

async function applyStart(tx: Tx, p: Placement, now: Date): Promise<Launch | null> {
  const id = Number(p.jobId);
  const job = await tx.job.findUnique({ where: { id }, include: { user: { select: { username: true, unixUser: true } } } });
  if (job?.state !== 'PENDING' || job.stopRequested) return null;
  const parts: NodePart[] = p.nodes ?? [{ node: p.node, gpuUuids: p.gpuUuids }];
  const all = parts.flatMap((x) => x.gpuUuids);
  if (all.length !== job.gpus) return null;
  const up = await tx.node.count({ where: { name: { in: parts.map((x) => x.node) }, state: 'UP' } });
  if (up !== parts.length) return null;
  if ((await tx.allocation.count({ where: { gpuUuid: { in: all }, releasedAt: null } })) > 0) return null;
  await tx.allocation.createMany({ data: parts.flatMap((x) => x.gpuUuids.map((gpuUuid) => ({ jobId: id, nodeName: x.node, gpuUuid, createdAt: now }))) });
  const sessionToken = job.kind === 'session' ? randomBytes(24).toString('hex') : null;
  await tx.job.update({ where: { id }, data: { state: 'STARTING', nodeName: p.node, reason: null, sessionToken, borrowed: p.borrowed === true } });
  await recordJobEvent(
    tx,
    id,
    'STARTING',
    parts.map((x) => `node ${x.node}, GPUs ${x.gpuUuids.join(',') || 'none'}`).join('; ') + (p.borrowed ? ' (borrowed above the account guarantee)' : ''),
  );
  return { node: p.node, spec: launchSpecFor({ ...job, sessionToken }, p.gpuUuids) };
}
