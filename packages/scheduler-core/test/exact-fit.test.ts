import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG, mergeConfig, runCycle } from '../src/index';
import { job, node, running, seededRng, snapshot } from '../src/testing/builders';

const rng = seededRng(11);
const S = 1000;
const cycle = (snap: Parameters<typeof runCycle>[0], config = DEFAULT_SCHEDULER_CONFIG) => runCycle(snap, config, 0, rng);
const noExact = mergeConfig({ backfill: { exactFitDepth: 0 } });

/** n1 free; n2 full until 600 s. A higher-priority 1-GPU job and a whole-node job wait. */
function handover(smallLimitSec: number) {
  const n1 = node('n1');
  const n2 = node('n2');
  return snapshot({
    nodes: [n1, n2],
    running: [running('r', n2, 8, { timeLimitSec: 600 })],
    pending: [job('small', { gpus: 1, basePriority: 100, timeLimitSec: smallLimitSec }), job('big', { gpus: 8, timeLimitSec: 600, account: 'b' })],
  });
}

describe('exact fits', () => {
  it('give a free node to the whole-node job rather than let a smaller job break it up', () => {
    // Priority alone: small breaks n1 for an hour, big waits for n2 at 600 s.
    const plain = cycle(handover(3600), noExact);
    expect(plain.plan.start.map((s) => `${s.jobId}@${s.node}`)).toEqual(['small@n1']);
    expect(plain.plan.reservations).toMatchObject([{ jobId: 'big', start: 600 * S, nodes: ['n2'] }]);
    // Exact fit: big fills n1 now; small waits for the first GPU to free up (n1 or n2, both at 600 s).
    const res = cycle(handover(3600));
    expect(res.plan.start.map((s) => `${s.jobId}@${s.node}`)).toEqual(['big@n1']);
    expect(res.pending.small).toMatchObject({ reason: 'Resources', estimatedStart: 600 * S });
  });

  it('leave the block alone when the whole-node job is planned on it anyway, right after the smaller job', () => {
    // small ends at 300 s, so big's reservation is n1 at 300 s: no reason to make small wait.
    const res = cycle(handover(300));
    expect(res.plan.start.map((s) => `${s.jobId}@${s.node}`)).toEqual(['small@n1']);
    expect(res.plan.reservations).toMatchObject([{ jobId: 'big', start: 300 * S, nodes: ['n1'] }]);
  });

  it('never delay a reservation of the priority plan', () => {
    const n1 = node('n1');
    const n2 = node('n2');
    const snap = snapshot({
      nodes: [n1, n2],
      running: [running('r1', n1, 4, { timeLimitSec: 300 }), running('r2', n2, 8)],
      pending: [job('top', { gpus: 8, basePriority: 1000, timeLimitSec: 600 }), job('four', { gpus: 4, timeLimitSec: 3600, account: 'b' })],
    });
    const res = cycle(snap);
    // `four` exactly fills n1's free GPUs but would run past 300 s, when `top` is reserved there.
    expect(res.plan.start).toEqual([]);
    expect(res.plan.reservations).toMatchObject([{ jobId: 'top', start: 300 * S, nodes: ['n1'] }]);
    expect(res.pending.four?.reason).toBe('Reservation');
  });

  it('never go ahead of a job of a higher QOS', () => {
    const n1 = node('n1', 2);
    const snap = snapshot({ nodes: [n1], pending: [job('session', { gpus: 1, qos: 'interactive', timeLimitSec: 600 }), job('batch2', { gpus: 2, account: 'b' })] });
    const res = cycle(snap);
    expect(res.plan.start.map((s) => s.jobId)).toEqual(['session']);
    expect(res.pending.batch2?.reason).toBe('Resources');
  });

  it('only look at the head of the queue (exactFitDepth)', () => {
    const shallow = mergeConfig({ backfill: { exactFitDepth: 1 } });
    // big is second in the queue: with a depth of 1 it is not considered.
    expect(cycle(handover(3600), shallow).plan.start.map((s) => s.jobId)).toEqual(['small']);
    expect(cycle(handover(3600), mergeConfig({ backfill: { exactFitDepth: 2 } })).plan.start.map((s) => s.jobId)).toEqual(['big']);
  });
});
