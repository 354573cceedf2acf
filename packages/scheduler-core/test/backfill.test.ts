import { describe, expect, it } from 'vitest';
import { type CycleResult, DEFAULT_SCHEDULER_CONFIG, estimateStarts, mergeConfig, runCycle, shownEstimates } from '../src/index';
import { job, node, running, seededRng, snapshot } from '../src/testing/builders';

const rng = seededRng(7);
const S = 1000;

/** n1: 4 of 8 GPUs busy until 600 s; n2: all busy until 3600 s. A big job waits at the top. */
function scenario() {
  const n1 = node('n1');
  const n2 = node('n2');
  return snapshot({
    nodes: [n1, n2],
    running: [running('r1', n1, 4, { timeLimitSec: 600 }), running('r2', n2, 8, { timeLimitSec: 3600, account: 'b' })],
    pending: [
      job('big', { gpus: 8, basePriority: 1e6, timeLimitSec: 3600 }),
      job('short', { gpus: 1, timeLimitSec: 300, account: 'c' }),
      job('long', { gpus: 1, timeLimitSec: 7200, account: 'd' }),
    ],
  });
}

describe('backfill with reservations', () => {
  it('reserves for the blocked top job and backfills only what ends before the reservation', () => {
    const res = runCycle(scenario(), DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(res.plan.start.map((s) => [s.jobId, s.node])).toEqual([['short', 'n1']]);
    expect(res.plan.reservations).toEqual([{ jobId: 'big', start: 600 * S, end: 4200 * S, nodes: ['n1'] }]);
    expect(res.pending.big).toMatchObject({ reason: 'Resources', estimatedStart: 600 * S, position: 1 });
    expect(res.pending.long).toMatchObject({ reason: 'Reservation', position: 2 });
  });

  it('keeps the reservation honest over the following rounds (the big job starts when n1 drains)', () => {
    let snap = scenario();
    const first = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 0, rng);
    // Apply: `short` runs on n1 from 0 to 300 s.
    const n1 = snap.nodes[0];
    if (!n1) throw new Error('no n1');
    snap = { ...snap, pending: snap.pending.filter((j) => j.id !== 'short') };
    for (const uuid of first.plan.start[0]?.gpuUuids ?? []) {
      const g = n1.gpus.find((x) => x.uuid === uuid);
      if (g) g.jobId = 'short';
    }
    snap.running.push({ id: 'short', user: 'u1', account: 'c', node: 'n1', gpuUuids: first.plan.start[0]?.gpuUuids ?? [], startedAt: 0, timeLimitSec: 300 });
    // At 300 s the short job and at 600 s r1 end: then the big job takes all of n1.
    for (const g of n1.gpus) g.jobId = null;
    snap.running = snap.running.filter((r) => r.node !== 'n1');
    const later = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 600 * S, rng);
    expect(later.plan.start.map((s) => s.jobId)).toEqual(['big']);
    expect(later.plan.start[0]?.gpuUuids).toHaveLength(8);
    expect(later.pending.long?.reason).toBe('Resources');
  });

  it('with backfill off, nothing passes a blocked job', () => {
    const config = mergeConfig({ backfill: { enabled: false } });
    const res = runCycle(scenario(), config, 0, rng);
    expect(res.plan.start).toEqual([]);
    expect(res.pending.big?.reason).toBe('Resources');
    expect(res.pending.short?.reason).toBe('Priority');
  });

  it('reserves whole nodes for a gang job', () => {
    const nodes = [node('n1'), node('n2'), node('n3')];
    const snap = snapshot({
      nodes,
      running: [
        running('a', nodes[0] as never, 8, { timeLimitSec: 100 }),
        running('b', nodes[1] as never, 1, { timeLimitSec: 500 }),
        running('c', nodes[2] as never, 2, { timeLimitSec: 200 }),
      ],
      pending: [job('gang', { gpus: 16, basePriority: 1e6, timeLimitSec: 1000 })],
    });
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(res.plan.reservations).toEqual([{ jobId: 'gang', start: 200 * S, end: 1200 * S, nodes: ['n1', 'n3'] }]);
  });

  it('limits reservations to the configured depth; jobs behind them wait with Priority', () => {
    const config = mergeConfig({ backfill: { reservations: 1 } });
    const n1 = node('n1', 2);
    const snap = snapshot({
      nodes: [n1],
      running: [running('r', n1, 2, { timeLimitSec: 100 })],
      pending: [job('j1', { submittedAt: 0, gpus: 2 }), job('j2', { submittedAt: 1, gpus: 2 })],
    });
    const res = runCycle(snap, config, 0, rng);
    expect(res.pending.j1).toMatchObject({ reason: 'Resources', estimatedStart: 100 * S });
    expect(res.pending.j2).toMatchObject({ reason: 'Priority', estimatedStart: null });
  });
});

describe('estimateStarts', () => {
  it('replays the queue on time limits: reservations, backfill and later starts', () => {
    expect(estimateStarts(scenario(), DEFAULT_SCHEDULER_CONFIG, 0)).toEqual({ big: 600 * S, short: 0, long: 3600 * S });
  });

  it('gives null to jobs that cannot start (unplaceable, or waiting for one that cannot)', () => {
    const snap = snapshot({
      nodes: [node('n1', 4)],
      pending: [job('huge', { gpus: 64 }), job('dep', { dependsOn: ['huge'] }), job('ok', { gpus: 1 })],
    });
    expect(estimateStarts(snap, DEFAULT_SCHEDULER_CONFIG, 5 * S)).toEqual({ huge: null, dep: null, ok: 5 * S });
  });

  it('starts a job with dependencies once they have ended in the replay', () => {
    const n1 = node('n1');
    const snap = snapshot({
      nodes: [n1],
      running: [running('r', n1, 1, { timeLimitSec: 100 })],
      pending: [
        job('after-r', { dependsOn: ['r'], timeLimitSec: 50 }),
        job('first', { gpus: 4, timeLimitSec: 300 }),
        job('chain', { dependsOn: ['first', 'after-r', 'gone'], timeLimitSec: 50 }),
      ],
    });
    // after-r once r ends (100 s); chain once first (0-300 s) and after-r (100-150 s) have; `gone` is not in the cluster any more.
    expect(estimateStarts(snap, DEFAULT_SCHEDULER_CONFIG, 0)).toEqual({ first: 0, 'after-r': 100 * S, chain: 300 * S });
    expect(runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 0, rng).pending['after-r']?.reason).toBe('Dependency');
  });

  it('shows the replay estimate, else the reservation, else the back of the queue for jobs the replay has not seen', () => {
    const pending: CycleResult['pending'] = {
      replayed: { reason: 'Priority', position: 1, estimatedStart: null },
      reserved: { reason: 'Resources', position: 2, estimatedStart: 700 * S },
      hopeless: { reason: 'Priority', position: 3, estimatedStart: null },
      fresh: { reason: 'Priority', position: 4, estimatedStart: null },
      freshUnplaceable: { reason: 'Unplaceable', position: 5, estimatedStart: null },
    };
    const result: CycleResult = { plan: { start: [], preempt: [] }, pending };
    // The replay ran before `fresh*` were submitted; it found no start for `hopeless` (e.g. beyond its horizon).
    const replay = { replayed: 900 * S, reserved: null, hopeless: null };
    expect(shownEstimates(result, replay, 100 * S)).toEqual({ replayed: 900 * S, reserved: 700 * S, hopeless: null, fresh: 900 * S, freshUnplaceable: null });
    // Nothing else has an estimate: the fresh job may start at the next cycle.
    expect(shownEstimates({ ...result, pending: { fresh: { reason: 'Priority', position: 1, estimatedStart: null } } }, {}, 100 * S)).toEqual({ fresh: 100 * S });
  });

  it('estimates every job of a long queue, in queue order on one GPU', () => {
    const n1 = node('n1', 1);
    const pending = Array.from({ length: 5 }, (_, i) => job(`j${i}`, { submittedAt: i, timeLimitSec: 100 }));
    const est = estimateStarts(snapshot({ nodes: [n1], pending, running: [running('r', n1, 1, { timeLimitSec: 50 })] }), DEFAULT_SCHEDULER_CONFIG, 0);
    expect(Object.values(est).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([50, 150, 250, 350, 450].map((x) => x * S));
  });
});
