import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG, mergeConfig, runCycle } from '../src/index';
import { ageFactor, jobSizeFactor, priorityTime } from '../src/priority';
import { compareFifo, compareQueueOrder } from '../src/queue-order';
import { job, node, running, seededRng, snapshot } from '../src/testing/builders';

const rng = seededRng(1);
const HOUR = 3_600_000;

describe('multifactor priority', () => {
  it('keeps every factor in [0,1] and the total = base + weighted factors', () => {
    const snap = snapshot({
      nodes: [node('n1', 1)],
      running: [],
      pending: [job('a', { gpus: 1, basePriority: 7, qos: 'interactive', timeLimitSec: 600 }), job('b', { gpus: 1, qos: 'scavenger', account: 'b' })],
    });
    const n1 = snap.nodes[0];
    if (!n1) throw new Error('no node');
    snap.running.push(running('r', n1, 1));
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 2 * HOUR, rng);
    for (const id of ['a', 'b']) {
      const p = res.pending[id]?.priority;
      if (!p) throw new Error(`no breakdown for ${id}`);
      for (const f of Object.values(p.factors)) {
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThanOrEqual(1);
      }
      const w = p.weighted;
      expect(p.total).toBeCloseTo(p.base + w.fairshare + w.age + w.jobSize + w.qos);
    }
    expect(res.pending.a?.priority?.factors.qos).toBe(1);
    expect(res.pending.b?.priority?.factors.qos).toBe(0);
    expect(res.pending.a?.priority?.base).toBe(7);
  });

  it('ages linearly up to maxAge, measured at calc-period boundaries', () => {
    const config = mergeConfig({ priority: { maxAgeSec: 3600, calcPeriodSec: 60 } });
    const j = job('a', { submittedAt: 0 });
    expect(ageFactor(j, priorityTime(30 * 60_000 + 59_000, config), config)).toBeCloseTo(0.5);
    expect(ageFactor(j, priorityTime(10 * HOUR, config), config)).toBe(1);
    expect(ageFactor(job('b', { submittedAt: 5 * HOUR }), 0, config)).toBe(0);
  });

  it('favours small jobs by GPU-time by default, large ones when asked', () => {
    const small = jobSizeFactor({ gpus: 1, timeLimitSec: 600 }, 64, DEFAULT_SCHEDULER_CONFIG);
    const big = jobSizeFactor({ gpus: 8, timeLimitSec: 86_400 }, 64, DEFAULT_SCHEDULER_CONFIG);
    expect(small).toBeGreaterThan(big);
    const large = mergeConfig({ priority: { favorSmall: false, sizeBasis: 'gpus' } });
    expect(jobSizeFactor({ gpus: 8, timeLimitSec: 1 }, 64, large)).toBeGreaterThan(jobSizeFactor({ gpus: 1, timeLimitSec: 1 }, 64, large));
  });

  it('orders an under-served account first when GPUs are scarce', () => {
    const n1 = node('n1', 1);
    const snap = snapshot({
      nodes: [n1],
      pending: [job('heavy-1', { account: 'heavy', user: 'h', submittedAt: 0 }), job('light-1', { account: 'light', user: 'l', submittedAt: HOUR })],
      usage: { heavy: { h: 1e6 }, light: { l: 10 } },
    });
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 2 * HOUR, rng);
    expect(res.plan.start.map((s) => s.jobId)).toEqual(['light-1']);
    expect(res.pending['heavy-1']?.reason).toBe('Resources');
  });

  it('lets QOS dominate: interactive before batch before scavenger', () => {
    const n1 = node('n1', 1);
    const snap = snapshot({
      nodes: [n1],
      pending: [job('scav', { qos: 'scavenger', submittedAt: 0 }), job('batch', { submittedAt: 1 }), job('inter', { qos: 'interactive', submittedAt: 2, timeLimitSec: 600 })],
    });
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, HOUR, rng);
    expect(res.plan.start[0]?.jobId).toBe('inter');
    expect(res.pending.batch?.position).toBe(1);
    expect(res.pending.scav?.position).toBe(2);
  });

  it('spreads the size factor over [0,1] with the relative scale', () => {
    const config = mergeConfig({ priority: { sizeScale: 'relative' } });
    const snap = snapshot({ nodes: [node('n1', 0)], pending: [job('s', { gpus: 1 }), job('m', { gpus: 2 }), job('l', { gpus: 4 })] });
    const res = runCycle(snap, config, 0, rng);
    expect(res.pending.s?.priority?.factors.jobSize).toBe(1);
    expect(res.pending.m?.priority?.factors.jobSize).toBe(0.5);
    expect(res.pending.l?.priority?.factors.jobSize).toBe(0);
  });
});

describe('queue order', () => {
  const o = (id: string, priority: number, submittedAt: number) => ({ id, priority, submittedAt });

  it('1. priority, 2. submission, 3. id', () => {
    const sorted = [o('c', 5, 0), o('b', 9, 5), o('a', 9, 5), o('d', 9, 1)].sort(compareQueueOrder).map((x) => x.id);
    expect(sorted).toEqual(['d', 'a', 'b', 'c']);
  });

  it('fifo: submission, then id', () => {
    const sorted = [o('c', 5, 0), o('b', 9, 5), o('a', 1, 5)].sort(compareFifo).map((x) => x.id);
    expect(sorted).toEqual(['c', 'a', 'b']);
  });

  it('fifo policy ignores fair-share', () => {
    const config = mergeConfig({ queueOrder: 'fifo' });
    const snap = snapshot({
      nodes: [node('n1', 1)],
      pending: [job('heavy-1', { account: 'heavy', submittedAt: 0 }), job('light-1', { account: 'light', submittedAt: HOUR })],
      usage: { heavy: { u1: 1e6 } },
    });
    expect(runCycle(snap, config, 2 * HOUR, rng).plan.start[0]?.jobId).toBe('heavy-1');
  });
});
