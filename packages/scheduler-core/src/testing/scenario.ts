/**
 * Applying a cycle's plan to a snapshot the way the daemon's applier would,
 * so tests can run "a few rounds after the match" on a fake clock and check
 * that nothing oscillates. Pure: returns a new snapshot. Preempted jobs come
 * back pending with `preemptCount + 1`; a RunningJob does not carry its
 * submit time, so the requeued job's `submittedAt` is its last start.
 */
import type { ClusterSnapshot, CycleResult, EpochMs, PendingJob, RunningJob } from '../types';

export function applyPlan(snap: ClusterSnapshot, result: CycleResult, now: EpochMs): ClusterSnapshot {
  const nodes = snap.nodes.map((n) => ({ ...n, gpus: n.gpus.map((g) => ({ ...g, ...(g.shared ? { shared: g.shared.map((s) => ({ ...s })) } : {}) })) }));
  const slot = new Map(nodes.flatMap((n) => n.gpus.map((g) => [g.uuid, g] as const)));
  const preempted = new Set(result.plan.preempt.map((p) => p.jobId));
  const running: RunningJob[] = [];
  const requeued: PendingJob[] = [];
  for (const r of snap.running) {
    if (!preempted.has(r.id)) {
      running.push(r);
      continue;
    }
    for (const p of r.nodes ?? [{ node: r.node, gpuUuids: r.gpuUuids }]) {
      for (const u of p.gpuUuids) {
        const g = slot.get(u);
        if (!g) continue;
        if (g.jobId === r.id) g.jobId = null;
        if (g.shared) g.shared = g.shared.filter((s) => s.jobId !== r.id);
      }
    }
    requeued.push({
      id: r.id,
      user: r.user,
      account: r.account,
      gpus: r.gpus ?? r.gpuUuids.length,
      submittedAt: r.startedAt,
      timeLimitSec: r.timeLimitSec,
      basePriority: 0,
      ...(r.qos !== undefined ? { qos: r.qos } : {}),
      preemptCount: (r.preemptCount ?? 0) + 1,
    });
  }
  const byId = new Map(snap.pending.map((j) => [j.id, j]));
  for (const s of result.plan.start) {
    const j = byId.get(s.jobId);
    if (!j) throw new Error(`plan starts unknown job ${s.jobId}`);
    byId.delete(s.jobId);
    const parts = s.nodes ?? [{ node: s.node, gpuUuids: s.gpuUuids }];
    for (const p of parts) {
      for (const u of p.gpuUuids) {
        const g = slot.get(u);
        if (!g) throw new Error(`unknown GPU ${u}`);
        if (s.fraction !== undefined) {
          if (g.jobId !== null) throw new Error(`GPU ${u} is held whole`);
          g.shared = [...(g.shared ?? []), { jobId: j.id, fraction: s.fraction }];
          if (g.shared.reduce((x, y) => x + y.fraction, 0) > 1 + 1e-9) throw new Error(`GPU ${u} over-shared`);
        } else {
          if (g.jobId !== null || g.shared?.length) throw new Error(`GPU ${u} double-allocated`);
          g.jobId = j.id;
        }
      }
    }
    running.push({
      id: j.id,
      user: j.user,
      account: j.account,
      node: s.node,
      gpuUuids: s.gpuUuids,
      startedAt: now,
      timeLimitSec: j.timeLimitSec,
      ...(j.qos !== undefined ? { qos: j.qos } : {}),
      ...(s.fraction !== undefined ? { gpus: s.fraction } : {}),
      ...(s.nodes ? { nodes: s.nodes } : {}),
      ...(j.preemptCount !== undefined ? { preemptCount: j.preemptCount } : {}),
      ...(j.cpus !== undefined ? { cpus: j.cpus } : {}),
      ...(j.memoryMiB !== undefined ? { memoryMiB: j.memoryMiB } : {}),
    });
  }
  return { ...snap, nodes, running, pending: [...byId.values(), ...requeued] };
}

/** Remove finished jobs (by id) from the running set, freeing their GPUs. */
export function finishJobs(snap: ClusterSnapshot, ids: readonly string[]): ClusterSnapshot {
  const done = new Set(ids);
  const nodes = snap.nodes.map((n) => ({
    ...n,
    gpus: n.gpus.map((g) => ({
      ...g,
      jobId: g.jobId !== null && done.has(g.jobId) ? null : g.jobId,
      ...(g.shared ? { shared: g.shared.filter((s) => !done.has(s.jobId)) } : {}),
    })),
  }));
  return { ...snap, nodes, running: snap.running.filter((r) => !done.has(r.id)) };
}
