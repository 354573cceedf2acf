import { randomBytes } from 'node:crypto';
import { type LaunchSpec, SessionTemplate } from '@sluice/contracts';
import { type Db, recordJobEvent, recordJobEvents, type Tx } from '@sluice/db';
import type { CycleResult, NodePart, Placement } from '@sluice/scheduler-core';

/** What a launch reads of a job. */
export interface LaunchJob {
  id: number;
  kind: string;
  template: string | null;
  command: string;
  /** A batch job's container image, or null. */
  image: string | null;
  timeLimitMinutes: number;
  sessionToken: string | null;
  /** A multi-node session's join address (a Ray head's GCS), once its first node reported it. */
  sessionAddress: string | null;
  cpus: number | null;
  memoryMiB: number | null;
  user: { username: string; unixUser: string | null };
}

/** A job's nodes in rank order with the GPUs it holds on each: its first node, then the others as allocated. */
export function jobParts(firstNode: string | null, allocations: { nodeName: string; gpuUuid: string }[]): NodePart[] {
  const parts: NodePart[] = firstNode ? [{ node: firstNode, gpuUuids: [] }] : [];
  for (const a of allocations) {
    const part = parts.find((p) => p.node === a.nodeName);
    if (part) part.gpuUuids.push(a.gpuUuid);
    else parts.push({ node: a.nodeName, gpuUuids: [a.gpuUuid] });
  }
  return parts;
}

/**
 * What the agent on one node of a job needs to run its part (rank `rank` of `parts`): that
 * node's GPUs, its share of the job's CPUs and memory (by GPUs), every node in rank order, and
 * for a session the template, base URL and token (and, on a Ray worker, the head to join).
 */
export function launchSpecFor(job: LaunchJob, parts: NodePart[], rank = 0): LaunchSpec {
  const part = parts[rank] ?? { node: '', gpuUuids: [] };
  const allGpus = parts.reduce((n, p) => n + p.gpuUuids.length, 0);
  const share = (x: number) => (parts.length > 1 && allGpus > 0 ? Math.max(1, Math.round((x * part.gpuUuids.length) / allGpus)) : x);
  const template = SessionTemplate.catch('jupyter').parse(job.template);
  return {
    jobId: String(job.id),
    kind: job.kind === 'session' ? 'session' : 'batch',
    command: job.command,
    gpuUuids: part.gpuUuids,
    timeLimitSec: job.timeLimitMinutes * 60,
    user: job.user.unixUser ?? job.user.username,
    nodes: parts.map((p) => p.node),
    rank,
    ...(job.cpus !== null ? { cpus: share(job.cpus) } : {}),
    ...(job.memoryMiB !== null ? { memoryMiB: share(job.memoryMiB) } : {}),
    ...(job.kind === 'batch' && job.image ? { image: job.image } : {}),
    ...(job.kind === 'session' && job.sessionToken
      ? { session: { template, baseUrl: `/s/${job.id}/`, token: job.sessionToken, ...(rank > 0 && job.sessionAddress ? { headAddress: job.sessionAddress } : {}) } }
      : {}),
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
 * Returns the launches to send once the transaction has committed: a multi-node job starts
 * on its first node (a batch command runs there alone, like a Slurm batch script, the other
 * nodes' GPUs held for it; a Ray session's workers follow once its head is up: ranks.ts).
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
      await tx.job.update({ where: { id: job.id }, data: { state: 'STARTING', nodeName: p.node, reason: null, sessionToken, sessionAddress: null, borrowed } });
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
  return starts.map(({ p, job, parts, sessionToken }) => ({ node: p.node, spec: launchSpecFor({ ...job, sessionToken, sessionAddress: null }, parts, 0) }));
}
