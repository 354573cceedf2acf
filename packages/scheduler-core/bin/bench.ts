#!/usr/bin/env -S npx tsx
/**
 * Scheduler benchmark: one full cycle on a large cluster and one full
 * estimate pass, on a seeded synthetic snapshot:
 *   1,000 nodes x 8 GPUs (2 pools, NVLink domains of 4), 200 accounts in a
 *   3-level tree with 1-4 users each and decayed usage, 2,000 running jobs,
 *   10,000 pending jobs (1-8 GPUs, some 16-GPU gangs, some fractional,
 *   three QOS classes).
 *
 *   npx tsx packages/scheduler-core/bin/bench.ts [--runs 15] [--json]
 *
 * Prints cycle10k.{medianMs,p95Ms} and estimates10k.ms (median of 3).
 */
import { DEFAULT_SCHEDULER_CONFIG, estimateStarts, runCycle } from '../src/index';
import { seededRng } from '../src/testing/builders';
import type { AccountSpec, ClusterSnapshot, NodeSnapshot, PendingJob, RunningJob } from '../src/types';

function buildSnapshot(now: number): ClusterSnapshot {
  const rng = seededRng(2026);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)] as T;
  const nodes: NodeSnapshot[] = Array.from({ length: 1000 }, (_, i) => {
    const name = `node${String(i).padStart(4, '0')}`;
    return {
      name,
      schedulable: rng.next() > 0.01,
      pool: i < 800 ? 'train' : 'inference',
      gpus: Array.from({ length: 8 }, (_, k) => ({ uuid: `${name}-${k}`, index: k, model: i < 800 ? 'H100' : 'A100', jobId: null, nvlinkDomain: k < 4 ? 0 : 1 })),
    };
  });
  const accounts: AccountSpec[] = [];
  const usage: Record<string, Record<string, number>> = {};
  const leaves: { account: string; users: string[] }[] = [];
  for (let d = 0; d < 10; d++) {
    accounts.push({ name: `dept${d}`, shares: 1 + (d % 3) });
    for (let l = 0; l < 19; l++) {
      const name = `dept${d}-lab${l}`;
      const users = Array.from({ length: 1 + Math.floor(rng.next() * 4) }, (_, u) => `${name}-u${u}`);
      accounts.push({ name, parent: `dept${d}`, shares: 1 + Math.floor(rng.next() * 4), users: Object.fromEntries(users.map((u) => [u, 1])), ...(l === 0 ? { quotas: [{ maxGpus: 400 }] } : {}) });
      usage[name] = Object.fromEntries(users.map((u) => [u, Math.floor(rng.next() * 1e7)]));
      leaves.push({ account: name, users });
    }
  }
  // 200 accounts: 10 departments + 190 labs.
  // 2,000 running jobs packed node by node, each node filled to a random 5-8 GPUs: ~85% of the cluster busy, holes scattered.
  const running: RunningJob[] = [];
  for (let i = 0; running.length < 2000 && i < nodes.length; i++) {
    const n = nodes[(i * 7919) % nodes.length] as NodeSnapshot;
    let room = 5 + Math.floor(rng.next() * 4);
    while (room > 0 && running.length < 2000) {
      const gpus = Math.min(room, pick([1, 2, 4, 4, 8, 8] as const));
      room -= gpus;
      const id = `run${running.length}`;
      const taken = n.gpus.filter((g) => g.jobId === null).slice(0, gpus);
      for (const g of taken) g.jobId = id;
      const leaf = pick(leaves);
      running.push({
        id,
        user: pick(leaf.users),
        account: leaf.account,
        node: n.name,
        gpuUuids: taken.map((g) => g.uuid),
        startedAt: now - Math.floor(rng.next() * 6 * 3600_000),
        timeLimitSec: pick([3600, 4 * 3600, 24 * 3600, 72 * 3600]),
        qos: pick(['batch', 'batch', 'batch', 'scavenger', 'interactive']),
      });
    }
  }
  const pending: PendingJob[] = Array.from({ length: 10_000 }, (_, i) => {
    const leaf = pick(leaves);
    const qos = pick(['batch', 'batch', 'batch', 'batch', 'scavenger', 'interactive']);
    const gpus = qos === 'interactive' ? pick([0.25, 0.5, 1, 1, 2]) : pick([1, 1, 1, 2, 2, 4, 4, 8, 8, 16]);
    return {
      id: `job${String(i).padStart(5, '0')}`,
      user: pick(leaf.users),
      account: leaf.account,
      gpus,
      submittedAt: now - Math.floor(rng.next() * 2 * 24 * 3600_000),
      timeLimitSec: qos === 'interactive' ? 4 * 3600 : pick([600, 3600, 4 * 3600, 24 * 3600, 72 * 3600]),
      basePriority: 0,
      qos,
      ...(rng.next() < 0.1 ? { pool: 'inference' } : {}),
    };
  });
  return { nodes, running, pending, accounts, usage };
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.max(0, Math.ceil(p * s.length) - 1)] as number;
  return { medianMs: Math.round(at(0.5) * 10) / 10, p95Ms: Math.round(at(0.95) * 10) / 10, minMs: Math.round((s[0] as number) * 10) / 10 };
}

function main(): void {
  const json = process.argv.includes('--json');
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
  const now = Date.UTC(2026, 10, 23, 12);
  const snap = buildSnapshot(now);
  const config = DEFAULT_SCHEDULER_CONFIG;
  let last = runCycle(snap, config, now, seededRng(1));
  for (let i = 0; i < 2; i++) last = runCycle(snap, config, now, seededRng(1));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = runCycle(snap, config, now, seededRng(i));
    times.push(performance.now() - t0);
  }
  const est: number[] = [];
  let estimates: Record<string, number | null> = {};
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    estimates = estimateStarts(snap, config, now);
    est.push(performance.now() - t0);
  }
  const busy = snap.nodes.reduce((s, n) => s + n.gpus.filter((g) => g.jobId !== null).length, 0);
  const out = {
    shape: { nodes: snap.nodes.length, gpus: snap.nodes.length * 8, busyGpus: busy, accounts: snap.accounts?.length, running: snap.running.length, pending: snap.pending.length },
    cycle10k: { ...stats(times), runs, starts: last.plan.start.length, preemptions: last.plan.preempt.length, reservations: last.plan.reservations?.length ?? 0 },
    estimates10k: { ms: Math.round(stats(est).medianMs), withEstimate: Object.values(estimates).filter((x) => x !== null).length },
  };
  if (json) console.log(JSON.stringify(out));
  else {
    console.log(`cluster: ${out.shape.nodes} nodes, ${out.shape.gpus} GPUs (${busy} busy), ${out.shape.accounts} accounts, ${out.shape.running} running, ${out.shape.pending} pending`);
    console.log(`cycle10k: median ${out.cycle10k.medianMs} ms, p95 ${out.cycle10k.p95Ms} ms over ${runs} runs (${out.cycle10k.starts} starts, ${out.cycle10k.preemptions} preemptions, ${out.cycle10k.reservations} reservations)`);
    console.log(`estimates10k: ${out.estimates10k.ms} ms (${out.estimates10k.withEstimate} jobs with an estimate)`);
  }
}

main();
