import { type RawReader, sqliteTime } from '@sluice/db';
import type { AccountSpec, ClusterSnapshot, NodePart, QuotaSpec } from '@sluice/scheduler-core';
import { budgetPeriod, usageByAccount } from './ledger';
import type { QosRow } from './policy';

/** Label of nodes that can run container jobs, and the selector of jobs that name an image. */
const CONTAINER_LABEL = { 'sluice.container-runtime': 'podman' } as const;

export interface SnapshotExtras {
  /** The reason each pending job shows now, so the applier writes only changes. */
  currentReasons: Map<string, string | null>;
}

/** The columns of a job every cycle reads, pending or running (a long queue is read each cycle: no more than needed). */
const JOB_COLUMNS = `j.id, u.username, j.account, j.qos, j.gpus, j.submittedAt, j.timeLimitMinutes, j.preemptCount,
  j.checkpointable, j.cpus, j.memoryMiB`;

interface JobRow {
  id: number;
  username: string;
  account: string;
  qos: string;
  gpus: number;
  submittedAt: string;
  timeLimitMinutes: number;
  preemptCount: number;
  checkpointable: number;
  cpus: number | null;
  memoryMiB: number | null;
}
interface PendingRow extends JobRow {
  reason: string | null;
  basePriority: number;
  gpuModel: string | null;
  pool: string | null;
  dependsOn: string;
  image: string | null;
}
interface ActiveRow extends JobRow {
  nodeName: string | null;
  startedAt: string | null;
  stopRequested: string | null;
}
interface NodeRow {
  id: number;
  name: string;
  state: string;
  pool: string;
  cpus: number;
  memoryMiB: number;
  containerRuntime: string | null;
}
interface GpuRow {
  nodeId: number;
  uuid: string;
  index: number;
  model: string;
  nvlinkDomain: string | null;
}

/**
 * Reads everything one cycle needs in one consistent read that holds no lock (packages/db
 * raw-reader.ts): the whole queue is read every cycle, so this bypasses the ORM. Also returns the
 * QOS classes as the database has them now.
 */
export function readSnapshot(reader: RawReader, now: number): { snapshot: ClusterSnapshot; extras: SnapshotExtras; qos: QosRow[] } {
  return reader.consistent((q) => {
    const nodes = q<NodeRow>('SELECT id, name, state, pool, cpus, memoryMiB, containerRuntime FROM Node ORDER BY name');
    const gpus = q<GpuRow>('SELECT nodeId, uuid, "index", model, nvlinkDomain FROM Gpu WHERE present = 1 ORDER BY nodeId, "index", uuid');
    const allocations = q<{ jobId: number; gpuUuid: string; nodeName: string }>('SELECT jobId, gpuUuid, nodeName FROM Allocation WHERE releasedAt IS NULL ORDER BY id');
    const pending = q<PendingRow>(
      `SELECT ${JOB_COLUMNS}, j.reason, j.basePriority, j.gpuModel, j.pool, j.dependsOn, j.image
       FROM Job j JOIN User u ON u.id = j.userId WHERE j.state = 'PENDING' ORDER BY j.id`,
    );
    const active = q<ActiveRow>(
      `SELECT ${JOB_COLUMNS}, j.nodeName, j.startedAt, j.stopRequested
       FROM Job j JOIN User u ON u.id = j.userId WHERE j.state IN ('STARTING', 'RUNNING') ORDER BY j.id`,
    );
    const accounts = q<{ name: string; parent: string | null; shares: number; budgetGpuHours: number | null }>('SELECT name, parent, shares, budgetGpuHours FROM Account ORDER BY name');
    const members = q<{ accountName: string; shares: number; username: string }>(
      'SELECT m.accountName, m.shares, u.username FROM AccountMember m JOIN User u ON u.id = m.userId ORDER BY m.accountName, u.username',
    );
    const quotas = q<{ accountName: string; pool: string; guaranteedGpus: number | null; maxGpus: number | null }>(
      'SELECT accountName, pool, guaranteedGpus, maxGpus FROM Quota ORDER BY accountName, id',
    );
    const usage = q<{ account: string; user: string; gpuSeconds: number }>('SELECT account, user, gpuSeconds FROM Usage');
    const budget = q<{ account: string; gpuHours: number }>('SELECT account, gpuHours FROM BudgetUsage WHERE period = ?', budgetPeriod(now));
    const qos = q<QosRow>('SELECT name, priority, preemptible, canPreempt, maxWallMinutes, maxGpusPerUser, maxGpusPerAccount FROM Qos ORDER BY name');

    const holder = new Map(allocations.map((a) => [a.gpuUuid, String(a.jobId)]));
    const partsOf = new Map<number, NodePart[]>();
    for (const a of allocations) {
      const parts = partsOf.get(a.jobId) ?? [];
      partsOf.set(a.jobId, parts);
      const part = parts.find((p) => p.node === a.nodeName);
      if (part) part.gpuUuids.push(a.gpuUuid);
      else parts.push({ node: a.nodeName, gpuUuids: [a.gpuUuid] });
    }
    const gpusOf = groupBy(gpus, (g) => g.nodeId);
    const membersOf = groupBy(members, (m) => m.accountName);
    const quotasOf = groupBy(quotas, (x) => x.accountName);
    const snapshot: ClusterSnapshot = {
      nodes: nodes.map((n) => ({
        name: n.name,
        schedulable: n.state === 'UP',
        pool: n.pool,
        cpus: n.cpus,
        memoryMiB: n.memoryMiB,
        ...(n.containerRuntime ? { labels: CONTAINER_LABEL } : {}),
        gpus: (gpusOf.get(n.id) ?? []).map((g) => ({
          uuid: g.uuid,
          index: g.index,
          model: g.model,
          jobId: holder.get(g.uuid) ?? null,
          ...(g.nvlinkDomain !== null ? { nvlinkDomain: g.nvlinkDomain } : {}),
        })),
      })),
      pending: pending.map((j) => ({
        ...common(j),
        gpus: j.gpus,
        submittedAt: sqliteTime(j.submittedAt),
        basePriority: j.basePriority,
        ...(j.gpuModel ? { gpuModel: j.gpuModel } : {}),
        ...(j.pool ? { pool: j.pool } : {}),
        ...(j.image ? { nodeSelector: CONTAINER_LABEL } : {}),
        ...(j.dependsOn ? { dependsOn: j.dependsOn.split(',') } : {}),
      })),
      running: active.map((j) => {
        const parts = partsOf.get(j.id) ?? [{ node: j.nodeName ?? '', gpuUuids: [] }];
        const first = parts[0] as NodePart;
        return {
          ...common(j),
          node: first.node,
          gpuUuids: first.gpuUuids,
          ...(parts.length > 1 ? { nodes: parts } : {}),
          startedAt: sqliteTime(j.startedAt ?? j.submittedAt),
          stopping: j.stopRequested !== null,
        };
      }),
      accounts: accounts.map((a) =>
        toAccountSpec({
          ...a,
          members: (membersOf.get(a.name) ?? []).map((m) => ({ shares: m.shares, user: { username: m.username } })),
          quotas: quotasOf.get(a.name) ?? [],
        }),
      ),
      usage: usageByAccount(usage),
      budgetUsedGpuHours: Object.fromEntries(budget.map((b) => [b.account, b.gpuHours])),
    };
    return { snapshot, extras: { currentReasons: new Map(pending.map((j) => [String(j.id), j.reason])) }, qos };
  });
}

/** What pending and running jobs share in the snapshot. */
const common = (j: JobRow) => ({
  id: String(j.id),
  user: j.username,
  account: j.account,
  qos: j.qos,
  timeLimitSec: j.timeLimitMinutes * 60,
  preemptCount: j.preemptCount,
  checkpointable: j.checkpointable === 1,
  ...requests(j),
});

function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
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
