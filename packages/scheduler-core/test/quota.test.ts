import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG, mergeConfig, runCycle } from '../src/index';
import { account, job, node, running, seededRng, snapshot } from '../src/testing/builders';
import { applyPlan } from '../src/testing/scenario';
import type { ClusterSnapshot } from '../src/types';

const rng = seededRng(5);
const MIN = 60_000;

describe('quotas', () => {
  it('stops an account at its maxGpus (QuotaMax) but lets smaller jobs fit under it', () => {
    const n1 = node('n1');
    const snap = snapshot({
      nodes: [n1],
      accounts: [account('a', { quotas: [{ maxGpus: 4 }] })],
      running: [running('r', n1, 3)],
      pending: [job('two', { gpus: 2, basePriority: 10 }), job('one', { gpus: 1 })],
    });
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(res.plan.start.map((s) => s.jobId)).toEqual(['one']);
    expect(res.pending.two?.reason).toBe('QuotaMax');
  });

  it('applies limits hierarchically: a department cap covers all its labs', () => {
    const n1 = node('n1');
    const snap = snapshot({
      nodes: [n1],
      accounts: [account('dept', { quotas: [{ maxGpus: 4 }] }), account('lab1', { parent: 'dept' }), account('lab2', { parent: 'dept' })],
      running: [running('r1', n1, 2, { account: 'lab1' }), running('r2', n1, 2, { account: 'lab2' })],
      pending: [job('j', { account: 'lab1' })],
    });
    expect(runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 0, rng).pending.j?.reason).toBe('QuotaMax');
  });

  it('limits per pool only count GPUs in that pool', () => {
    const snap = snapshot({
      nodes: [node('a1', 4, { pool: 'a100' }), node('h1', 4, { pool: 'h100' })],
      accounts: [account('lab', { quotas: [{ pool: 'h100', maxGpus: 1 }] })],
      pending: [job('h', { account: 'lab', pool: 'h100', gpus: 2 }), job('any', { account: 'lab', gpus: 4 })],
    });
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(res.pending.h?.reason).toBe('QuotaMax');
    expect(res.plan.start).toMatchObject([{ jobId: 'any', node: 'a1' }]);
  });

  it('enforces QOS caps per user', () => {
    const n1 = node('n1');
    const snap = snapshot({
      nodes: [n1],
      running: [running('r', n1, 3, { qos: 'interactive' })],
      pending: [job('more', { gpus: 2, qos: 'interactive', timeLimitSec: 600 }), job('other-user', { gpus: 2, qos: 'interactive', timeLimitSec: 600, user: 'u2' })],
    });
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(res.pending.more?.reason).toBe('QosLimit');
    expect(res.plan.start.map((s) => s.jobId)).toEqual(['other-user']);
  });

  it('holds jobs of an account whose GPU-hour budget is spent', () => {
    const snap = snapshot({
      nodes: [node('n1')],
      accounts: [account('dept', { budgetGpuHours: 100 }), account('lab', { parent: 'dept' }), account('rich')],
      budgetUsedGpuHours: { lab: 60, dept: 40 },
      pending: [job('j', { account: 'lab' }), job('k', { account: 'rich' })],
    });
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(res.pending.j?.reason).toBe('Budget');
    expect(res.plan.start.map((s) => s.jobId)).toEqual(['k']);
  });
});

describe('guarantees and borrowing', () => {
  const tree = [account('A', { quotas: [{ guaranteedGpus: 4, maxGpus: 8 }] }), account('B', { quotas: [{ guaranteedGpus: 4, maxGpus: 8 }] })];

  it('marks starts above the guarantee as borrowed', () => {
    const n1 = node('n1');
    const snap = snapshot({ nodes: [n1], accounts: tree, running: [running('a1', n1, 4, { account: 'A' })], pending: [job('a2', { account: 'A', gpus: 2 })] });
    expect(runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 0, rng).plan.start).toMatchObject([{ jobId: 'a2', borrowed: true }]);
  });

  it('reclaims borrowed GPUs for a lender within its guarantee, youngest borrowed first, then settles', () => {
    const n1 = node('n1');
    let snap: ClusterSnapshot = snapshot({
      nodes: [n1],
      accounts: tree,
      running: [
        running('a-old', n1, 4, { account: 'A', startedAt: 0 }),
        running('a-mid', n1, 2, { account: 'A', startedAt: MIN }),
        running('a-new', n1, 2, { account: 'A', startedAt: 2 * MIN }),
      ],
      pending: [job('b1', { account: 'B', gpus: 2, submittedAt: 20 * MIN })],
    });
    let now = 30 * MIN;
    const first = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, now, rng);
    expect(first.plan.preempt).toEqual([{ jobId: 'a-new', reason: 'ReclaimBorrowed', forJobId: 'b1' }]);
    expect(first.pending.b1?.reason).toBe('Preempting');
    snap = applyPlan(snap, first, now);
    const preempted: string[] = [];
    const started: string[] = [];
    for (let round = 0; round < 6; round++) {
      now += 10 * MIN;
      const r = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, now, rng);
      preempted.push(...r.plan.preempt.map((p) => p.jobId));
      started.push(...r.plan.start.map((s) => s.jobId));
      snap = applyPlan(snap, r, now);
    }
    expect(started).toEqual(['b1']);
    expect(preempted).toEqual([]);
    expect(snap.pending.map((j) => j.id)).toEqual(['a-new']);
  });

  it('keeps idle GPUs for a waiting lender instead of lending them (QuotaGuarantee)', () => {
    const n1 = node('n1');
    const snap = snapshot({
      nodes: [n1],
      accounts: tree,
      running: [running('b-run', n1, 4, { account: 'B' })],
      pending: [job('b-more', { account: 'B', gpus: 2, basePriority: 100 }), job('a-own', { account: 'A', gpus: 4 })],
    });
    // Without exact fits, which would start a-own first (its 4 GPUs fill n1's free ones) and leave b-more nothing to borrow.
    const res = runCycle(snap, mergeConfig({ backfill: { exactFitDepth: 0 } }), 0, rng);
    expect(res.pending['b-more']?.reason).toBe('QuotaGuarantee');
    expect(res.plan.start).toMatchObject([{ jobId: 'a-own' }]);
    expect(res.plan.start[0]?.borrowed).toBeUndefined();
  });
});
