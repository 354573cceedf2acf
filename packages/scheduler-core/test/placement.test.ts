import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG, mergeConfig, runCycle } from '../src/index';
import { job, node, running, seededRng, snapshot } from '../src/testing/builders';
import { applyPlan } from '../src/testing/scenario';

const rng = seededRng(3);
const cycle = (snap: Parameters<typeof runCycle>[0]) => runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 0, rng);

describe('placement', () => {
  it('best fit: the node with the fewest free GPUs that still fits, lowest GPU indices', () => {
    const n1 = node('n1');
    const n2 = node('n2');
    const snap = snapshot({ nodes: [n1, n2], running: [running('r', n1, 6)], pending: [job('j', { gpus: 2 })] });
    expect(cycle(snap).plan.start).toEqual([{ jobId: 'j', node: 'n1', gpuUuids: ['n1-gpu6', 'n1-gpu7'] }]);
  });

  it('keeps whole nodes free for big jobs that come later in the same cycle', () => {
    const snap = snapshot({ nodes: [node('n1'), node('n2')], pending: [job('small', { gpus: 1, basePriority: 10 }), job('s2', { gpus: 3, basePriority: 5 }), job('big', { gpus: 8 })] });
    const starts = cycle(snap).plan.start;
    // big exactly fills a free node, so it is placed first (exact fit); the small ones share the other.
    expect(starts.map((s) => `${s.jobId}@${s.node}`)).toEqual(['big@n1', 'small@n2', 's2@n2']);
    const noExact = runCycle(snap, mergeConfig({ backfill: { exactFitDepth: 0 } }), 0, rng).plan.start;
    expect(noExact.map((s) => `${s.jobId}@${s.node}`)).toEqual(['small@n1', 's2@n1', 'big@n2']);
  });

  it('keeps a multi-GPU job inside one NVLink domain, best-fit domain first', () => {
    const n = node('n1', 8, { nvlinkDomainSize: 4 });
    const snap = snapshot({ nodes: [n], running: [running('r', n, [0, 1])], pending: [job('two', { gpus: 2, basePriority: 2 }), job('three', { gpus: 3, basePriority: 1 })] });
    const starts = cycle(snap).plan.start;
    expect(starts[0]).toMatchObject({ jobId: 'two', gpuUuids: ['n1-gpu2', 'n1-gpu3'] });
    expect(starts[1]).toMatchObject({ jobId: 'three', gpuUuids: ['n1-gpu4', 'n1-gpu5', 'n1-gpu6'] });
  });

  it('does not split a job across NVLink domains when a node reports them', () => {
    const n = node('n1', 8, { nvlinkDomainSize: 4 });
    const snap = snapshot({ nodes: [n], running: [running('a', n, [0, 1]), running('b', n, [4, 5])], pending: [job('four', { gpus: 4 })] });
    const res = cycle(snap);
    expect(res.plan.start).toEqual([]);
    expect(res.pending.four?.reason).toBe('Resources');
  });

  it('honours pools, GPU models and labels', () => {
    const snap = snapshot({
      nodes: [node('a1', 8, { pool: 'train', model: 'A100' }), node('h1', 8, { pool: 'train', model: 'H100', labels: { ib: 'yes' } }), node('i1', 8, { pool: 'interactive', model: 'L4' })],
      pending: [
        job('want-h100', { gpus: 1, gpuModel: 'H100' }),
        job('want-interactive', { gpus: 1, pool: 'interactive' }),
        job('want-ib', { gpus: 1, nodeSelector: { ib: 'yes' } }),
        job('want-nothing', { gpus: 8, basePriority: -1 }),
      ],
    });
    const at = Object.fromEntries(cycle(snap).plan.start.map((s) => [s.jobId, s.node]));
    expect(at).toEqual({ 'want-h100': 'h1', 'want-interactive': 'i1', 'want-ib': 'h1', 'want-nothing': 'a1' });
  });

  it('skips unschedulable nodes and says NodeDown when only they could hold the job', () => {
    const snap = snapshot({ nodes: [node('up', 4), node('down', 8, { schedulable: false })], pending: [job('six', { gpus: 6 }), job('two', { gpus: 2 })] });
    const res = cycle(snap);
    expect(res.plan.start.map((s) => s.node)).toEqual(['up']);
    expect(res.pending.six?.reason).toBe('NodeDown');
  });

  it('gang: a job larger than any node takes whole free nodes, all or nothing', () => {
    const nodes = [node('n1'), node('n2'), node('n3')];
    const snap = snapshot({ nodes, running: [running('r', nodes[1] as never, 1)], pending: [job('gang', { gpus: 16 })] });
    const start = cycle(snap).plan.start[0];
    expect(start?.node).toBe('n1');
    expect(start?.gpuUuids).toHaveLength(8);
    expect(start?.nodes?.map((p) => [p.node, p.gpuUuids.length])).toEqual([
      ['n1', 8],
      ['n3', 8],
    ]);
    // With only one whole node free it waits.
    const busy = snapshot({ nodes: [node('n1'), node('n2')], pending: [job('gang', { gpus: 16 })] });
    busy.running.push(running('r', busy.nodes[1] as never, 1));
    expect(cycle(busy).plan.start).toEqual([]);
  });

  it('Unplaceable when the whole cluster is too small', () => {
    const res = cycle(snapshot({ nodes: [node('n1', 8)], pending: [job('nine', { gpus: 9 })] }));
    expect(res.pending.nine?.reason).toBe('Unplaceable');
  });

  it('fractional GPUs pack onto shared GPUs, fullest first, never above one GPU', () => {
    let snap = snapshot({
      nodes: [node('n1', 2)],
      pending: [job('h1', { gpus: 0.5, qos: 'interactive', timeLimitSec: 600 }), job('h2', { gpus: 0.5, qos: 'interactive', timeLimitSec: 600, user: 'u2' })],
    });
    const r1 = cycle(snap);
    expect(r1.plan.start.map((s) => [s.jobId, s.gpuUuids, s.fraction])).toEqual([
      ['h1', ['n1-gpu0'], 0.5],
      ['h2', ['n1-gpu0'], 0.5],
    ]);
    snap = applyPlan(snap, r1, 0);
    snap.pending.push(job('q', { gpus: 0.25, qos: 'interactive', timeLimitSec: 600, user: 'u3' }), job('whole', { gpus: 1, user: 'u4' }));
    const r2 = cycle(snap);
    const at = Object.fromEntries(r2.plan.start.map((s) => [s.jobId, s.gpuUuids[0]]));
    expect(at.q).toBe('n1-gpu1');
    expect(r2.pending.whole?.reason).toBe('Resources');
  });
});
