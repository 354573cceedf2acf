import { type Db, readTransaction } from '@sluice/db';
import type { AccountSpec, ClusterSnapshot, NodePart, QuotaSpec } from '@sluice/scheduler-core';
import { budgetPeriod, usageByAccount } from './ledger';

/** Label of nodes that can run container jobs, and the selector of jobs that name an image. */
const CONTAINER_LABEL = { 'sluice.container-runtime': 'podman' } as const;

export interface SnapshotExtras {
  /** The reason each pending job shows now, so the applier writes only changes. */
  currentReasons: Map<string, string | null>;
}

/** The columns of a job every cycle reads (a long queue is read each cycle: no more than needed). */
const common = {
  id: true,
  user: { select: { username: true } },
  account: true,
  qos: true,
  gpus: true,
  submittedAt: true,
  timeLimitMinutes: true,
  preemptCount: true,
  checkpointable: true,
  cpus: true,
  memoryMiB: true,
} as const;

/** Reads everything one cycle needs in one consistent read (holding no write lock). */
export async function takeSnapshot(db: Db, now: number): Promise<{ snapshot: ClusterSnapshot; extras: SnapshotExtras }> {
  return readTransaction(db, async (tx) => {
    const [nodes, allocations, pending, active, accounts, usage, budget] = await Promise.all([
      tx.node.findMany({ include: { gpus: { where: { present: true } } }, orderBy: { name: 'asc' } }),
      tx.allocation.findMany({ where: { releasedAt: null }, select: { jobId: true, gpuUuid: true, nodeName: true }, orderBy: { id: 'asc' } }),
      tx.job.findMany({ where: { state: 'PENDING' }, select: { ...common, reason: true, basePriority: true, gpuModel: true, pool: true, dependsOn: true, image: true } }),
      tx.job.findMany({ where: { state: { in: ['STARTING', 'RUNNING'] } }, select: { ...common, nodeName: true, startedAt: true, stopRequested: true } }),
      tx.account.findMany({ include: { members: { include: { user: { select: { username: true } } } }, quotas: true } }),
      tx.usage.findMany(),
      tx.budgetUsage.findMany({ where: { period: budgetPeriod(now) } }),
    ]);
    const holder = new Map(allocations.map((a) => [a.gpuUuid, String(a.jobId)]));
    const partsOf = new Map<number, NodePart[]>();
    for (const a of allocations) {
      const parts = partsOf.get(a.jobId) ?? [];
      partsOf.set(a.jobId, parts);
      const part = parts.find((p) => p.node === a.nodeName);
      if (part) part.gpuUuids.push(a.gpuUuid);
      else parts.push({ node: a.nodeName, gpuUuids: [a.gpuUuid] });
    }
    const snapshot: ClusterSnapshot = {
      nodes: nodes.map((n) => ({
        name: n.name,
        schedulable: n.state === 'UP',
        pool: n.pool,
        cpus: n.cpus,
        memoryMiB: n.memoryMiB,
        ...(n.containerRuntime ? { labels: CONTAINER_LABEL } : {}),
        gpus: n.gpus.map((g) => ({
          uuid: g.uuid,
          index: g.index,
          model: g.model,
          jobId: holder.get(g.uuid) ?? null,
          ...(g.nvlinkDomain !== null ? { nvlinkDomain: g.nvlinkDomain } : {}),
        })),
      })),
      pending: pending.map((j) => ({
        id: String(j.id),
        user: j.user.username,
        account: j.account,
        qos: j.qos,
        gpus: j.gpus,
        submittedAt: j.submittedAt.getTime(),
        timeLimitSec: j.timeLimitMinutes * 60,
        basePriority: j.basePriority,
        preemptCount: j.preemptCount,
        checkpointable: j.checkpointable,
        ...requests(j),
        ...(j.gpuModel ? { gpuModel: j.gpuModel } : {}),
        ...(j.pool ? { pool: j.pool } : {}),
        ...(j.image ? { nodeSelector: CONTAINER_LABEL } : {}),
        ...(j.dependsOn ? { dependsOn: j.dependsOn.split(',') } : {}),
      })),
      running: active.map((j) => {
        const parts = partsOf.get(j.id) ?? [{ node: j.nodeName ?? '', gpuUuids: [] }];
        const first = parts[0] as NodePart;
        return {
          id: String(j.id),
          user: j.user.username,
          account: j.account,
          qos: j.qos,
          node: first.node,
          gpuUuids: first.gpuUuids,
          ...(parts.length > 1 ? { nodes: parts } : {}),
          startedAt: (j.startedAt ?? j.submittedAt).getTime(),
          timeLimitSec: j.timeLimitMinutes * 60,
          preemptCount: j.preemptCount,
          checkpointable: j.checkpointable,
          stopping: j.stopRequested !== null,
          ...requests(j),
        };
      }),
      accounts: accounts.map(toAccountSpec),
      usage: usageByAccount(usage),
      budgetUsedGpuHours: Object.fromEntries(budget.map((b) => [b.account, b.gpuHours])),
    };
    return { snapshot, extras: { currentReasons: new Map(pending.map((j) => [String(j.id), j.reason])) } };
  });
}

/** CPU cores and memory a job asked for (they place jobs without GPUs). */
const requests = (j: { cpus: number | null; memoryMiB: number | null }) => ({
  ...(j.cpus !== null ? { cpus: j.cpus } : {}),
  ...(j.memoryMiB !== null ? { memoryMiB: j.memoryMiB } : {}),
});

type AccountRow = {
  name: string;
  parent: string | null;
  shares: number;
  budgetGpuHours: number | null;
  members: { shares: number; user: { username: string } }[];
  quotas: { pool: string; guaranteedGpus: number | null; maxGpus: number | null }[];
};

function toAccountSpec(a: AccountRow): AccountSpec {
  const quotas: QuotaSpec[] = a.quotas.map((q) => ({
    ...(q.pool ? { pool: q.pool } : {}),
    ...(q.guaranteedGpus !== null ? { guaranteedGpus: q.guaranteedGpus } : {}),
    ...(q.maxGpus !== null ? { maxGpus: q.maxGpus } : {}),
  }));
  return {
    name: a.name,
    parent: a.parent,
    shares: a.shares,
    users: Object.fromEntries(a.members.map((m) => [m.user.username, m.shares])),
    ...(quotas.length > 0 ? { quotas } : {}),
    ...(a.budgetGpuHours !== null ? { budgetGpuHours: a.budgetGpuHours } : {}),
  };
}
