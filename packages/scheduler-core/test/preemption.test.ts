import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG, mergeConfig, runCycle } from '../src/index';
import { job, node, running, seededRng, snapshot } from '../src/testing/builders';
import { applyPlan } from '../src/testing/scenario';
import type { ClusterSnapshot, Preemption } from '../src/types';

const rng = seededRng(9);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** Account a holds both GPUs with long jobs; account b waits for one. */
function hog(startedAt: number, opts: { checkpointable?: boolean; timeLimitSec?: number } = {}): ClusterSnapshot {
  const n1 = node('n1', 2);
  return snapshot({
    nodes: [n1],
    running: [
      running('a-old', n1, 1, { account: 'a', startedAt, timeLimitSec: opts.timeLimitSec ?? 24 * 3600, ...(opts.checkpointable ? { checkpointable: true } : {}) }),
      running('a-new', n1, 1, { account: 'a', startedAt: startedAt + MIN, timeLimitSec: opts.timeLimitSec ?? 24 * 3600, ...(opts.checkpointable ? { checkpointable: true } : {}) }),
    ],
    pending: [job('b1', { account: 'b', user: 'v', submittedAt: startedAt })],
  });
}

/** Run rounds on a fake clock, applying each plan; returns every preemption seen. */
function rounds(snap: ClusterSnapshot, from: number, n: number, step: number, config = DEFAULT_SCHEDULER_CONFIG) {
  const seen: Preemption[] = [];
  const starts: string[] = [];
  let now = from;
  let s = snap;
  for (let i = 0; i < n; i++) {
    const r = runCycle(s, config, now, rng);
    seen.push(...r.plan.preempt);
    starts.push(...r.plan.start.map((x) => x.jobId));
    s = applyPlan(s, r, now);
    now += step;
  }
  return { seen, starts, snap: s };
}

describe('time-slicing', () => {
  it('stops the youngest job of the over-served account after a quantum, then settles', () => {
    const snap = hog(0);
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 31 * MIN, rng);
    expect(res.plan.preempt).toEqual([{ jobId: 'a-new', reason: 'FairShareTimeSlice', forJobId: 'b1' }]);
    expect(res.pending.b1).toMatchObject({ reason: 'Preempting', detail: 'a-new' });
    // The rounds after the match: b1 starts, a-new waits, nobody is stopped again, for hours.
    const after = rounds(applyPlan(snap, res, 31 * MIN), 32 * MIN, 30, 10 * MIN);
    expect(after.starts).toEqual(['b1']);
    expect(after.seen).toEqual([]);
    expect(after.snap.pending.map((j) => [j.id, j.preemptCount])).toEqual([['a-new', 1]]);
  });

  it('waits a full quantum (and the minimum runtime) before stopping anything', () => {
    const res = runCycle(hog(0), DEFAULT_SCHEDULER_CONFIG, 20 * MIN, rng);
    expect(res.plan.preempt).toEqual([]);
    expect(res.pending.b1?.reason).toBe('Resources');
    // ...and says when it should look again: when a-old crosses the 30 min quantum.
    expect(res.wakeAt).toBe(21 * MIN);
  });

  it('does not stop anyone for a waiter whose GPUs free up soon anyway', () => {
    const res = runCycle(hog(0, { timeLimitSec: 50 * 60 }), DEFAULT_SCHEDULER_CONFIG, 35 * MIN, rng);
    expect(res.plan.preempt).toEqual([]);
  });

  it('protects a job that cannot checkpoint once stopping it would lose too much work', () => {
    const now = 5 * HOUR;
    expect(runCycle(hog(0), DEFAULT_SCHEDULER_CONFIG, now, rng).plan.preempt).toEqual([]);
    expect(runCycle(hog(0, { checkpointable: true }), DEFAULT_SCHEDULER_CONFIG, now, rng).plan.preempt).toMatchObject([{ jobId: 'a-new' }]);
  });

  it('never lets a requeued job time-slice (so two jobs cannot take turns stopping each other)', () => {
    const snap = hog(0);
    const b1 = snap.pending[0];
    if (!b1) throw new Error('no b1');
    b1.preemptCount = 1;
    expect(runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 2 * HOUR, rng).plan.preempt).toEqual([]);
  });

  it('does not preempt when the waiter would become better served than the victim', () => {
    const n1 = node('n1', 2);
    const snap = snapshot({
      nodes: [n1],
      running: [running('a1', n1, 1, { account: 'a' }), running('b1', n1, 1, { account: 'b' })],
      pending: [job('b2', { account: 'b' })],
    });
    expect(runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 2 * HOUR, rng).plan.preempt).toEqual([]);
  });

  it('respects shares: an account with 3 shares may hold 3 of 4 GPUs', () => {
    const n1 = node('n1', 4);
    const snap = snapshot({
      nodes: [n1],
      accounts: [{ name: 'big', shares: 3 }, { name: 'small', shares: 1 }],
      running: [
        running('s1', n1, 1, { account: 'small', timeLimitSec: 86_400 }),
        running('s2', n1, 1, { account: 'small', timeLimitSec: 86_400, startedAt: 1 }),
        running('g1', n1, 2, { account: 'big', timeLimitSec: 86_400 }),
      ],
      pending: [job('g2', { account: 'big' }), job('s3', { account: 'small' })],
    });
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, HOUR, rng);
    expect(res.plan.preempt).toEqual([{ jobId: 's2', reason: 'FairShareTimeSlice', forJobId: 'g2' }]);
  });

  it('is off with preemption disabled and under FIFO', () => {
    expect(runCycle(hog(0), mergeConfig({ preemption: { enabled: false } }), HOUR, rng).plan.preempt).toEqual([]);
    expect(runCycle(hog(0), mergeConfig({ queueOrder: 'fifo' }), HOUR, rng).plan.preempt).toEqual([]);
  });
});

describe('QOS preemption and stopping jobs', () => {
  it('a batch job stops a scavenger job after its minimum runtime, whatever the fair-share', () => {
    const n1 = node('n1', 1);
    const snap = snapshot({
      nodes: [n1],
      running: [running('scav', n1, 1, { account: 'poor', qos: 'scavenger', startedAt: 0 })],
      pending: [job('batch', { account: 'rich' })],
      usage: { rich: { u1: 1e9 } },
    });
    expect(runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 2 * MIN, rng).plan.preempt).toEqual([]);
    expect(runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 6 * MIN, rng).plan.preempt).toEqual([{ jobId: 'scav', reason: 'QosPreempt', forJobId: 'batch' }]);
  });

  it('waits for GPUs already being freed instead of stopping more jobs', () => {
    const snap = hog(0);
    const victim = snap.running[1];
    if (!victim) throw new Error('no victim');
    victim.stopping = true;
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 2 * HOUR, rng);
    expect(res.plan.preempt).toEqual([]);
    expect(res.pending.b1?.reason).toBe('Preempting');
  });

  it('does not free GPUs that a higher-priority blocked job would take instead', () => {
    const n1 = node('n1', 1);
    const snap = snapshot({
      nodes: [n1],
      running: [running('scav', n1, 1, { account: 'x', qos: 'scavenger', startedAt: 0 })],
      // `first` (a scavenger job bumped to the top) may not preempt; `second` may (batch over scavenger),
      // but the freed GPU would go to `first`, and `second` would have to preempt again.
      pending: [job('first', { account: 'y', basePriority: 1e6, qos: 'scavenger' }), job('second', { account: 'z' })],
    });
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, HOUR, rng);
    expect(res.plan.preempt).toEqual([]);
    expect(res.pending.second?.reason).not.toBe('Preempting');
  });
});

describe('several waiters in one cycle', () => {
  it('stops only as many jobs as it takes to even out the shares', () => {
    const n1 = node('n1', 4);
    const snap = snapshot({
      nodes: [n1],
      running: [0, 1, 2, 3].map((i) => running(`a${i}`, n1, 1, { account: 'a', startedAt: i * MIN, timeLimitSec: 86_400 })),
      pending: [0, 1, 2, 3].map((i) => job(`b${i}`, { account: 'b', user: 'v', submittedAt: i })),
    });
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 2 * HOUR, rng);
    // a holds 4, b 0: two swaps give 2/2; a third would leave b ahead.
    expect(res.plan.preempt.map((p) => [p.jobId, p.forJobId])).toEqual([
      ['a3', 'b0'],
      ['a2', 'b1'],
    ]);
    const after = rounds(applyPlan(snap, res, 2 * HOUR), 2 * HOUR + MIN, 20, 15 * MIN);
    expect(after.seen).toEqual([]);
    expect(after.starts.sort()).toEqual(['b0', 'b1']);
  });
});
