import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG, estimateStarts, runCycle } from '../src/index';
import { job, node, running, seededRng, snapshot } from '../src/testing/builders';

const rng = seededRng(5);
const S = 1000;

/** Two 8-GPU nodes with 32 cores and 256 GiB each, every GPU busy (4 cores, 16 GiB per GPU asked). */
function fullOfGpuJobs() {
  const n1 = { ...node('n1'), cpus: 32, memoryMiB: 262_144 };
  const n2 = { ...node('n2'), cpus: 32, memoryMiB: 262_144 };
  return {
    nodes: [n1, n2],
    running: [
      running('g1', n1, 8, { cpus: 32, memoryMiB: 131_072, timeLimitSec: 600 }),
      running('g2', n2, 8, { cpus: 8, memoryMiB: 131_072, timeLimitSec: 900 }),
    ],
  };
}

describe('jobs without GPUs', () => {
  it('start when every GPU is taken but cores and memory are free, where the most cores are left', () => {
    const res = runCycle(snapshot({ ...fullOfGpuJobs(), pending: [job('cpu', { gpus: 0, cpus: 4, memoryMiB: 16_384 })] }), DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(res.plan.start).toEqual([{ jobId: 'cpu', node: 'n2', gpuUuids: [] }]);
  });

  it('wait for cores when no node has enough, and count the jobs already running without GPUs', () => {
    const base = fullOfGpuJobs();
    const n2 = base.nodes[1] as ReturnType<typeof node>;
    const busy = snapshot({
      ...base,
      running: [...base.running, { id: 'cpu-run', user: 'u1', account: 'a', node: 'n2', gpuUuids: [], startedAt: 0, timeLimitSec: 300, cpus: 20 }],
      pending: [job('cpu', { gpus: 0, cpus: 8 }), job('gpu', { gpus: 1 })],
    });
    expect(n2.gpus.every((g) => g.jobId !== null)).toBe(true);
    const res = runCycle(busy, DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(res.plan.start).toEqual([]);
    expect(res.plan.preempt).toEqual([]);
    expect(res.pending.cpu?.reason).toBe('Resources');
    // It starts when cpu-run (ends at 300 s) gives its cores back; the GPU job when a GPU job ends (600 s).
    expect(estimateStarts(busy, DEFAULT_SCHEDULER_CONFIG, 0)).toEqual({ cpu: 300 * S, gpu: 600 * S });
  });

  it('ask at most a whole node, and go anywhere on nodes that report no size', () => {
    const small = { ...node('small', 2), cpus: 2 };
    const res = runCycle(snapshot({ nodes: [small], pending: [job('wide', { gpus: 0, cpus: 16 })] }), DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(res.plan.start.map((s) => s.jobId)).toEqual(['wide']);
    const unknown = runCycle(snapshot({ nodes: [node('a'), node('b')], pending: [job('x', { gpus: 0, cpus: 64, memoryMiB: 1 << 30 })] }), DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(unknown.plan.start).toEqual([{ jobId: 'x', node: 'a', gpuUuids: [] }]);
  });

  it('are NodeDown when only down nodes could run them', () => {
    const res = runCycle(snapshot({ nodes: [node('d', 8, { schedulable: false })], pending: [job('cpu', { gpus: 0 })] }), DEFAULT_SCHEDULER_CONFIG, 0, rng);
    expect(res.pending.cpu?.reason).toBe('NodeDown');
  });
});
