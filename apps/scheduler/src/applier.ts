import { randomBytes } from 'node:crypto';
import type { LaunchSpec } from '@sluice/contracts';
import { type Db, recordJobEvent } from '@sluice/db';
import type { CycleResult } from '@sluice/scheduler-core';
import type { SnapshotExtras } from './snapshot';

/** What an agent needs to run a placed job. */
export function launchSpecFor(
  job: { id: number; kind: string; command: string; timeLimitMinutes: number; sessionToken: string | null; user: { username: string; unixUser: string | null } },
  gpuUuids: string[],
): LaunchSpec {
  return {
    jobId: String(job.id),
    kind: job.kind === 'session' ? 'session' : 'batch',
    command: job.command,
    gpuUuids,
    timeLimitSec: job.timeLimitMinutes * 60,
    user: job.user.unixUser ?? job.user.username,
    ...(job.kind === 'session' && job.sessionToken ? { session: { template: 'jupyter' as const, baseUrl: `/s/${job.id}/`, token: job.sessionToken } } : {}),
  };
}

export interface Launch {
  node: string;
  spec: LaunchSpec;
}

/**
 * Applies a plan in one transaction. Each placement is re-checked against the database
 * (job still pending and not cancelled, node up, GPUs still free), because the portal
 * may have changed things since the snapshot. Only this function writes allocations.
 * Returns the launches to send once the transaction has committed.
 */
export async function applyPlan(db: Db, result: CycleResult, extras: SnapshotExtras): Promise<Launch[]> {
  return db.$transaction(async (tx) => {
    const launches: Launch[] = [];
    for (const p of result.plan.start) {
      const id = Number(p.jobId);
      const job = await tx.job.findUnique({ where: { id }, include: { user: { select: { username: true, unixUser: true } } } });
      if (job?.state !== 'PENDING' || job.stopRequested) continue;
      const node = await tx.node.findUnique({ where: { name: p.node } });
      if (node?.state !== 'UP') continue;
      const taken = await tx.allocation.count({ where: { gpuUuid: { in: p.gpuUuids }, releasedAt: null } });
      if (taken > 0 || p.gpuUuids.length !== job.gpus) continue;
      await tx.allocation.createMany({ data: p.gpuUuids.map((gpuUuid) => ({ jobId: id, nodeName: p.node, gpuUuid })) });
      const sessionToken = job.kind === 'session' ? randomBytes(24).toString('hex') : null;
      await tx.job.update({ where: { id }, data: { state: 'STARTING', nodeName: p.node, reason: null, sessionToken } });
      await recordJobEvent(tx, id, 'STARTING', `node ${p.node}, GPUs ${p.gpuUuids.join(',') || 'none'}`);
      launches.push({ node: p.node, spec: launchSpecFor({ ...job, sessionToken }, p.gpuUuids) });
    }
    for (const [jobId, why] of Object.entries(result.pending)) {
      if (extras.currentReasons.get(jobId) === why.reason) continue;
      await tx.job.updateMany({ where: { id: Number(jobId), state: 'PENDING' }, data: { reason: why.reason } });
    }
    return launches;
  });
}
