import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG, mergeConfig, runCycle } from '../src/index';
import { ageFactor, jobSizeFactor, priorityTime } from '../src/priority';
import { compareFifo, compareQueueOrder, headsFirst } from '../src/queue-order';
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

  it('account heads: each account\'s first job passes the jobs of less-served accounts only', () => {
    const h = (id: string, priority: number, account: string, fairshare: number, qosPriority = 50) => ({ id, priority, submittedAt: 0, key: { account, fairshare, qosPriority } });
    // In priority order (the size factor put the heavy account's small jobs first).
    const sorted = [h('heavy-small', 9, 'heavy', 0.2), h('mid-small', 8, 'mid', 0.5), h('heavy-2', 7, 'heavy', 0.2), h('light-big', 3, 'light', 0.9), h('mid-big', 2, 'mid', 0.5)];
    const ids = (xs: typeof sorted) => xs.map((x) => x.id);
    expect(ids(headsFirst(sorted, (x) => x.key))).toEqual(['light-big', 'mid-small', 'heavy-small', 'heavy-2', 'mid-big']);
    // Ineligible jobs (e.g. waiting for a dependency) are never heads; equal standing changes nothing.
    expect(ids(headsFirst(sorted, (x) => (x.id === 'light-big' ? null : x.key)))).toEqual(['mid-small', 'heavy-small', 'heavy-2', 'light-big', 'mid-big']);
    expect(ids(headsFirst(sorted, (x) => ({ ...x.key, fairshare: 0.5 })))).toEqual(ids(sorted));
    // A head never passes a job of another QOS class.
    const qos = [h('inter', 9, 'heavy', 0.2, 100), h('batch-light', 1, 'light', 0.9)];
    expect(ids(headsFirst(qos, (x) => x.key))).toEqual(['inter', 'batch-light']);
  });

  it('a less-served account\'s big job goes before a better-served account\'s small ones', () => {
    const snap = snapshot({
      nodes: [node('n1', 8)],
      running: [],
      pending: [job('heavy-1', { account: 'heavy', gpus: 1, timeLimitSec: 60 }), job('heavy-2', { account: 'heavy', gpus: 1, timeLimitSec: 60, submittedAt: 1 }), job('light-8', { account: 'light', gpus: 8, timeLimitSec: 3600, submittedAt: 2 })],
      usage: { heavy: { u1: 1e6 }, light: { u1: 9e5 } },
    });
    // Exact fits off, so that only the order decides.
    const res = runCycle(snap, mergeConfig({ backfill: { exactFitDepth: 0 } }), 0, rng);
    expect(res.plan.start.map((s) => s.jobId)).toEqual(['light-8']);
    expect(res.pending['heavy-1']?.position).toBe(1);
    const sizeFirst = runCycle(snap, mergeConfig({ priority: { accountHeadsFirst: false }, backfill: { exactFitDepth: 0 } }), 0, rng);
    expect(sizeFirst.plan.start.map((s) => s.jobId)).toEqual(['heavy-1', 'heavy-2']);
  });
});

