import type { Db } from '@sluice/db';
import type { ClusterSnapshot } from '@sluice/scheduler-core';

export interface SnapshotExtras {
  /** The reason each pending job shows now, so the applier writes only changes. */
  currentReasons: Map<string, string | null>;
}

/** Reads everything one cycle needs in one consistent read. */
export async function takeSnapshot(db: Db): Promise<{ snapshot: ClusterSnapshot; extras: SnapshotExtras }> {
  return db.$transaction(async (tx) => {
    const [nodes, allocations, pending, active] = await Promise.all([
      tx.node.findMany({ include: { gpus: { where: { present: true } } }, orderBy: { name: 'asc' } }),
      tx.allocation.findMany({ where: { releasedAt: null }, select: { jobId: true, gpuUuid: true, nodeName: true } }),
      tx.job.findMany({ where: { state: 'PENDING' }, include: { user: { select: { username: true } } } }),
      tx.job.findMany({ where: { state: { in: ['STARTING', 'RUNNING'] } }, include: { user: { select: { username: true } } } }),
    ]);
    const holder = new Map(allocations.map((a) => [a.gpuUuid, String(a.jobId)]));
    const gpusOf = new Map<number, string[]>();
    for (const a of allocations) gpusOf.set(a.jobId, [...(gpusOf.get(a.jobId) ?? []), a.gpuUuid]);
    const snapshot: ClusterSnapshot = {
      nodes: nodes.map((n) => ({
        name: n.name,
        schedulable: n.state === 'UP',
        gpus: n.gpus.map((g) => ({ uuid: g.uuid, index: g.index, model: g.model, jobId: holder.get(g.uuid) ?? null })),
      })),
      pending: pending.map((j) => ({
        id: String(j.id),
        user: j.user.username,
        account: j.user.username,
        gpus: j.gpus,
        submittedAt: j.submittedAt.getTime(),
        timeLimitSec: j.timeLimitMinutes * 60,
        basePriority: j.basePriority,
      })),
      running: active.map((j) => ({
        id: String(j.id),
        user: j.user.username,
        account: j.user.username,
        node: j.nodeName ?? '',
        gpuUuids: gpusOf.get(j.id) ?? [],
        startedAt: (j.startedAt ?? j.submittedAt).getTime(),
        timeLimitSec: j.timeLimitMinutes * 60,
      })),
    };
    return { snapshot, extras: { currentReasons: new Map(pending.map((j) => [String(j.id), j.reason])) } };
  });
}
