import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG, mergeConfig, runCycle } from '../src/index';
import { simulate, type TraceJob } from '../src/sim/index';
import { worldArb } from '../src/testing/arbitraries';
import { seededRng } from '../src/testing/builders';
import { applyPlan } from '../src/testing/scenario';
import type { ClusterSnapshot, CycleResult } from '../src/types';

const config = DEFAULT_SCHEDULER_CONFIG;
const runs = { numRuns: Number(process.env.PROPERTY_RUNS ?? 300), seed: Number(process.env.PROPERTY_SEED ?? 20_261_123) };

const gpusOf = (snap: ClusterSnapshot, account: string) =>
  snap.running.filter((r) => r.account === account).reduce((s, r) => s + (r.gpus ?? (r.nodes ? r.nodes.reduce((x, p) => x + p.gpuUuids.length, 0) : r.gpuUuids.length)), 0);

const shuffled = <T>(xs: readonly T[], seed: number): T[] => {
  const rng = seededRng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

const planOf = (r: CycleResult) => ({ start: r.plan.start, preempt: r.plan.preempt, reasons: Object.entries(r.pending).map(([id, e]) => [id, e.reason, e.position]).sort() });

describe('properties', () => {
  it('never over-allocates a GPU and gives every start exactly what it asked for, where it may run', () => {
    fc.assert(
      fc.property(worldArb, ({ snapshot, now }) => {
        const res = runCycle(snapshot, config, now, seededRng(1));
        const after = applyPlan(snapshot, res, now); // throws on a double allocation or an over-shared GPU
        const byId = new Map(snapshot.pending.map((j) => [j.id, j]));
        const nodeByName = new Map(snapshot.nodes.map((n) => [n.name, n]));
        for (const s of res.plan.start) {
          const job = byId.get(s.jobId);
          expect(job).toBeDefined();
          const parts = s.nodes ?? [{ node: s.node, gpuUuids: s.gpuUuids }];
          const count = parts.reduce((x, p) => x + p.gpuUuids.length, 0);
          expect(count).toBe(job && job.gpus > 0 && job.gpus < 1 ? 1 : job?.gpus);
          for (const p of parts) {
            const n = nodeByName.get(p.node);
            expect(n?.schedulable).toBe(true);
            if (job?.pool) expect(n?.pool).toBe(job.pool);
            expect(new Set(p.gpuUuids).size).toBe(p.gpuUuids.length);
          }
        }
        for (const n of after.nodes) for (const g of n.gpus) expect((g.shared ?? []).reduce((x, y) => x + y.fraction, 0)).toBeLessThanOrEqual(1 + 1e-9);
        // A job without GPUs starts only where its cores fit next to what the node's jobs (running, and started before it) ask.
        const size = new Map(snapshot.nodes.map((n) => [n.name, n.cpus ?? 0]));
        const used = new Map<string, number>();
        const ask = (node: string, cpus: number | undefined) => Math.min(cpus ?? 0, size.get(node) || Number.POSITIVE_INFINITY);
        for (const r of snapshot.running) used.set(r.node, (used.get(r.node) ?? 0) + ask(r.node, r.cpus));
        for (const s of res.plan.start) {
          const job = byId.get(s.jobId);
          const cap = size.get(s.node) ?? 0;
          if (job?.gpus === 0 && cap > 0) expect((used.get(s.node) ?? 0) + ask(s.node, job.cpus)).toBeLessThanOrEqual(cap);
          used.set(s.node, (used.get(s.node) ?? 0) + ask(s.node, job?.cpus));
        }
      }),
      runs,
    );
  });

  it('never takes an account above its hard limit', () => {
    fc.assert(
      fc.property(worldArb, ({ snapshot, now }) => {
        const res = runCycle(snapshot, config, now, seededRng(1));
        const after = applyPlan(snapshot, res, now);
        for (const a of snapshot.accounts ?? []) {
          const max = a.quotas?.[0]?.maxGpus;
          if (max === undefined) continue;
          const before = gpusOf(snapshot, a.name);
          const starts = res.plan.start.filter((s) => snapshot.pending.find((j) => j.id === s.jobId)?.account === a.name);
          if (starts.length) expect(gpusOf(after, a.name)).toBeLessThanOrEqual(max + 1e-9);
          expect(gpusOf(after, a.name)).toBeLessThanOrEqual(Math.max(max, before) + 1e-9);
        }
      }),
      runs,
    );
  });

  it('same input + seed -> same plan, whatever order the snapshot lists things in', () => {
    fc.assert(
      fc.property(worldArb, fc.integer(), ({ snapshot, now }, seed) => {
        const a = runCycle(snapshot, config, now, seededRng(seed));
        const b = runCycle(snapshot, config, now, seededRng(seed));
        expect(b).toEqual(a);
        const mixed: ClusterSnapshot = {
          ...snapshot,
          nodes: shuffled(snapshot.nodes, seed),
          pending: shuffled(snapshot.pending, seed + 1),
          running: shuffled(snapshot.running, seed + 2),
          accounts: shuffled(snapshot.accounts ?? [], seed + 3),
        };
        expect(planOf(runCycle(mixed, config, now, seededRng(seed)))).toEqual(planOf(a));
      }),
      runs,
    );
  });

  it('a preempted job always had a reason to be preempted', () => {
    const p = config.preemption;
    fc.assert(
      fc.property(worldArb, ({ snapshot, now }) => {
        const res = runCycle(snapshot, config, now, seededRng(1));
        const running = new Map(snapshot.running.map((r) => [r.id, r]));
        const pending = new Map(snapshot.pending.map((j) => [j.id, j]));
        for (const pre of res.plan.preempt) {
          const victim = running.get(pre.jobId);
          const waiter = pending.get(pre.forJobId);
          if (!victim || !waiter) throw new Error(`preemption of ${pre.jobId} for ${pre.forJobId} names unknown jobs`);
          expect(victim.stopping).toBeFalsy();
          expect(res.pending[waiter.id]?.reason).toBe('Preempting');
          const ranSec = (now - victim.startedAt) / 1000;
          expect(ranSec).toBeGreaterThanOrEqual(p.minRuntimeSec);
          const vq = victim.qos ?? config.defaultQos;
          const wq = waiter.qos ?? config.defaultQos;
          switch (pre.reason) {
            case 'FairShareTimeSlice':
              expect(config.qos[vq]?.preemptible).toBe(true);
              expect(ranSec).toBeGreaterThanOrEqual(p.sliceQuantumSec);
              expect(waiter.preemptCount ?? 0).toBe(0);
              expect(victim.preemptCount ?? 0).toBeLessThan(p.maxPreemptionsPerJob);
              expect(victim.account === waiter.account && victim.user === waiter.user).toBe(false);
              break;
            case 'QosPreempt':
              expect(config.qos[wq]?.canPreempt).toContain(vq);
              break;
            case 'ReclaimBorrowed':
              expect(snapshot.accounts?.some((a) => (a.quotas?.[0]?.guaranteedGpus ?? 0) > 0)).toBe(true);
              break;
            default:
              throw new Error(`unknown reason ${String(pre.reason)}`);
          }
        }
      }),
      runs,
    );
  });

  it('no two jobs preempt each other in a loop, over many cycles on a fake clock', () => {
    // Aggressive time-slicing so preemptions really happen: short quantum, no patience, checkpoints.
    const aggressive = mergeConfig({
      explainDetail: false,
      qos: { batch: { maxWallSec: null } },
      preemption: { sliceQuantumSec: 60, minRuntimeSec: 30, minWaitSec: 0, maxLostWorkSec: 1e9, maxPreemptionsPerJob: 3 },
    });
    const traceArb = fc.array(
      fc.record({ group: fc.constantFrom('a', 'b', 'c'), submit: fc.integer({ min: 0, max: 4000 }), duration: fc.integer({ min: 10, max: 3000 }), gpus: fc.constantFrom(1, 1, 2, 4) }),
      { minLength: 5, maxLength: 60 },
    );
    let total = 0;
    fc.assert(
      fc.property(traceArb, fc.boolean(), (rows, checkpoint) => {
        const trace: TraceJob[] = rows.map((r, i) => ({ id: `j${i}`, user: `${r.group}1`, group: r.group, submit: r.submit, duration: r.duration, gpus: r.gpus }));
        const res = simulate(trace, { nodes: 2, gpusPerNode: 4, config: aggressive, timeLimit: 'exact', checkpoint });
        expect(res.unfinished).toBe(0);
        const edges = new Set(res.preemptionLog.map((e) => `${e.forJobId}>${e.jobId}`));
        for (const e of res.preemptionLog) expect(edges.has(`${e.jobId}>${e.forJobId}`)).toBe(false);
        // A job that was preempted never preempts afterwards (the loop breaker).
        const victimAt = new Map<string, number>();
        for (const e of res.preemptionLog) {
          const v = victimAt.get(e.forJobId);
          if (v !== undefined && e.reason === 'FairShareTimeSlice') expect(e.at).toBeLessThan(v);
          if (!victimAt.has(e.jobId)) victimAt.set(e.jobId, e.at);
        }
        total += res.preemptionLog.length;
      }),
      { numRuns: 60, seed: 42 },
    );
    // The property must have been exercised, not vacuous.
    expect(total).toBeGreaterThan(0);
  });
});
