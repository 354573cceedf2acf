import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG, mergeConfig, runCycle } from '../src/index';
import { account, job, node, running, seededRng, snapshot } from '../src/testing/builders';

const rng = seededRng(11);

describe('explain', () => {
  it('gives every pending job a reason, a position and (with detail) its place in the account', () => {
    const n1 = node('n1', 4);
    const snap = snapshot({
      nodes: [n1, node('down', 8, { schedulable: false })],
      running: [running('r', n1, 3, { timeLimitSec: 100 })],
      accounts: [account('a', { users: { u1: 1 } }), account('b')],
      pending: [
        job('fits', { gpus: 1, basePriority: 100 }),
        job('blocked', { gpus: 2, basePriority: 50 }),
        job('behind', { gpus: 2, basePriority: 40, account: 'b' }),
        job('dep', { dependsOn: ['r'] }),
        job('badqos', { qos: 'gold' }),
        job('toolong', { qos: 'interactive', timeLimitSec: 48 * 3600 }),
        job('greedy', { qos: 'interactive', gpus: 8, timeLimitSec: 600 }),
        job('huge', { gpus: 64 }),
        job('onlydown', { gpus: 8 }),
      ],
    });
    const res = runCycle(snap, mergeConfig({ backfill: { reservations: 1 } }), 0, rng);
    expect(res.plan.start.map((s) => s.jobId)).toEqual(['fits']);
    const reasons = Object.fromEntries(Object.entries(res.pending).map(([id, e]) => [id, e.reason]));
    expect(reasons).toEqual({
      blocked: 'Resources',
      behind: 'Priority',
      dep: 'Dependency',
      badqos: 'InvalidQos',
      toolong: 'WallTimeLimit',
      greedy: 'QosLimit',
      huge: 'Unplaceable',
      onlydown: 'NodeDown',
    });
    const positions = Object.values(res.pending)
      .map((e) => e.position)
      .sort((x, y) => x - y);
    expect(positions).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(res.pending.blocked).toMatchObject({ estimatedStart: 100_000, positionInAccount: expect.any(Number) });
    expect(res.pending.behind?.positionInAccount).toBe(1);
    expect(res.pending.blocked?.priority?.total).toBeGreaterThan(res.pending.behind?.priority?.total ?? Number.POSITIVE_INFINITY);
    expect(res.fairshare?.rows.map((r) => r.account)).toContain('b');
  });

  it('leaves out the breakdown and the fair-share report without explainDetail', () => {
    const res = runCycle(snapshot({ nodes: [node('n1', 0)], pending: [job('j')] }), mergeConfig({ explainDetail: false }), 0, rng);
    expect(res.pending.j).toEqual({ reason: 'Unplaceable', position: 1, estimatedStart: null });
    expect(res.fairshare).toBeUndefined();
  });

  it('says Reservation when free GPUs are held for a higher-priority job', () => {
    const n1 = node('n1', 4);
    const snap = snapshot({
      nodes: [n1],
      running: [running('r', n1, 2, { timeLimitSec: 100 })],
      pending: [job('wide', { gpus: 4, basePriority: 1e6 }), job('late', { gpus: 1, timeLimitSec: 1000 })],
    });
    const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(res.pending.late?.reason).toBe('Reservation');
  });

  it('tells a daemon when looking again could change anything (wakeAt)', () => {
    const n1 = node('n1', 1);
    const idle = runCycle(snapshot({ nodes: [n1] }), DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(idle.wakeAt).toBeNull();
    const started = runCycle(snapshot({ nodes: [node('n2', 1)], pending: [job('j')] }), DEFAULT_SCHEDULER_CONFIG, 5_000, rng);
    expect(started.wakeAt).toBe(5_000);
    const busy = snapshot({ nodes: [n1], pending: [job('w', { account: 'b' })] });
    busy.running.push(running('r', n1, 1, { startedAt: 0, timeLimitSec: 100_000 }));
    const waiting = runCycle(busy, DEFAULT_SCHEDULER_CONFIG, 1_000, rng);
    // Next priority recalculation (60 s) comes before the running job's minimum runtime (300 s).
    expect(waiting.wakeAt).toBe(60_000);
  });
});
