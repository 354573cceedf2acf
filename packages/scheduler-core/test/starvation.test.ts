import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG, mergeConfig, runCycle, type SchedulerConfig } from '../src/index';
import { starvingFirst } from '../src/queue-order';
import { job, node, running, seededRng, snapshot } from '../src/testing/builders';
import { applyPlan, finishJobs } from '../src/testing/scenario';
import type { ClusterSnapshot, EpochMs } from '../src/types';

const S = 1000;
const LIMIT = 120;

/**
 * One 8-GPU node kept full by a stream of 1-GPU jobs (limit 120 s, each runs to its limit, a new
 * one every 15 s: exactly the node's capacity), and a half-node job submitted at 0 with the same
 * limit. The size factor puts every 1-GPU job ahead of it, so one GPU frees at a time and goes
 * to the next 1-GPU job: four are never free together. Plays 15-s steps on a fake clock and
 * returns when the half-node job started (null = never within `horizonSec`).
 */
function halfNodeUnderStream(config: SchedulerConfig, horizonSec: number): { halfStart: number | null; smallWaits: number[] } {
  const n1 = node('n1');
  const runningJobs = Array.from({ length: 8 }, (_, k) => running(`s${k}`, n1, 1, { startedAt: (k * 15 - 105) * S, timeLimitSec: LIMIT }));
  let snap: ClusterSnapshot = snapshot({ nodes: [n1], running: runningJobs, pending: [job('half', { gpus: 4, timeLimitSec: LIMIT })] });
  const submitted = new Map<string, number>();
  const smallWaits: number[] = [];
  let next = 8;
  let halfStart: number | null = null;
  const rng = seededRng(3);
  for (let t = 0; t <= horizonSec; t += 15) {
    const now: EpochMs = t * S;
    snap = finishJobs(
      snap,
      snap.running.filter((r) => r.startedAt + r.timeLimitSec * S <= now).map((r) => r.id),
    );
    const id = `s${next++}`;
    submitted.set(id, t);
    snap = { ...snap, pending: [...snap.pending, job(id, { gpus: 1, timeLimitSec: LIMIT, submittedAt: now })] };
    const res = runCycle(snap, config, now, rng);
    for (const s of res.plan.start) {
      if (s.jobId === 'half') halfStart = t;
      else smallWaits.push(t - (submitted.get(s.jobId) as number));
    }
    snap = applyPlan(snap, res, now);
    if (halfStart !== null) break;
  }
  return { halfStart, smallWaits };
}

describe('starving jobs', () => {
  const off = mergeConfig({ priority: { starvationLimits: 0 } });

  it('without the guard, a half-node job behind a stream of smaller jobs never starts', () => {
    const { halfStart, smallWaits } = halfNodeUnderStream(off, 3600);
    expect(halfStart).toBeNull();
    // Meanwhile every 1-GPU job starts within a step of its submission.
    expect(Math.max(...smallWaits)).toBeLessThanOrEqual(15);
  });

  it('a job that waited N times its limit goes first, gets the reservation and starts', () => {
    const guard = mergeConfig({ priority: { starvationLimits: 2 } });
    const { halfStart } = halfNodeUnderStream(guard, 3600);
    // Starving from 240 s (ages are taken at whole calc periods, 60 s); then GPUs are held
    // for its reservation until four are free, which takes at most one 1-GPU limit.
    expect(halfStart).not.toBeNull();
    expect(halfStart as number).toBeGreaterThanOrEqual(2 * LIMIT);
    expect(halfStart as number).toBeLessThanOrEqual(2 * LIMIT + 60 + LIMIT);
  });

  it('is on by default: the half-node job starts after at most eight limits and one more', () => {
    expect(DEFAULT_SCHEDULER_CONFIG.priority.starvationLimits).toBe(8);
    const { halfStart } = halfNodeUnderStream(DEFAULT_SCHEDULER_CONFIG, 3600);
    expect(halfStart).not.toBeNull();
    expect(halfStart as number).toBeGreaterThanOrEqual(8 * LIMIT);
    expect(halfStart as number).toBeLessThanOrEqual(8 * LIMIT + 60 + LIMIT);
  });
});

describe('starvingFirst', () => {
  const v = (id: string, submittedAt: number, qosPriority = 50) => ({ id, submittedAt, priority: 0, qosPriority });

  it('moves starving jobs ahead, the longest-waiting first, and keeps the others in order', () => {
    const order = [v('a', 30), v('b', 20), v('old2', 10), v('c', 40), v('old1', 5)];
    const out = starvingFirst(order, (x) => x.id.startsWith('old'));
    expect(out.map((x) => x.id)).toEqual(['old1', 'old2', 'a', 'b', 'c']);
  });

  it('never passes a job of a higher QOS', () => {
    const order = [v('session', 50, 100), v('a', 30), v('old', 0)];
    const out = starvingFirst(order, (x) => x.id === 'old');
    expect(out.map((x) => x.id)).toEqual(['session', 'old', 'a']);
  });

  it('leaves the order alone when nothing starves', () => {
    const order = [v('a', 30), v('b', 20)];
    expect(starvingFirst(order, () => false).map((x) => x.id)).toEqual(['a', 'b']);
  });
});
