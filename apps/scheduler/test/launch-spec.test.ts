import { LaunchSpec } from '@sluice/contracts';
import { describe, expect, it } from 'vitest';
import { jobParts, type LaunchJob, launchSpecFor } from '../src/applier';

const job = (template: string | null, extra: Partial<LaunchJob> = {}): LaunchJob => ({
  id: 7,
  kind: 'session',
  template,
  command: 'terminal',
  image: null,
  timeLimitMinutes: 60,
  sessionToken: 'a'.repeat(48),
  sessionAddress: null,
  cpus: null,
  memoryMiB: null,
  user: { username: 'alice', unixUser: null },
  ...extra,
});
const one = (gpuUuids: string[]) => [{ node: 'n1', gpuUuids }];

describe('launch spec of a session', () => {
  it('tells the agent which template to start, under the portal path, with the token', () => {
    const spec = LaunchSpec.parse(launchSpecFor(job('terminal'), one(['GPU-1'])));
    expect(spec.session).toEqual({ template: 'terminal', baseUrl: '/s/7/', token: 'a'.repeat(48) });
    expect(launchSpecFor(job('jupyter'), one([])).session?.template).toBe('jupyter');
  });

  it('starts Jupyter for sessions recorded before templates existed', () => {
    expect(launchSpecFor(job(null), one([])).session?.template).toBe('jupyter');
  });
});

describe('launch spec of a multi-node job', () => {
  const allocations = [
    { nodeName: 'n2', gpuUuids: 'GPU-n2-0' },
    { nodeName: 'n1', gpuUuids: 'GPU-n1-0' },
    { nodeName: 'n2', gpuUuids: 'GPU-n2-1' },
    { nodeName: 'n1', gpuUuids: 'GPU-n1-1' },
    { nodeName: 'n3', gpuUuids: 'GPU-n3-0' },
  ].map((a) => ({ nodeName: a.nodeName, gpuUuid: a.gpuUuids }));

  it('orders the nodes by rank: the node it was placed on first, then as allocated', () => {
    expect(jobParts('n1', allocations)).toEqual([
      { node: 'n1', gpuUuids: ['GPU-n1-0', 'GPU-n1-1'] },
      { node: 'n2', gpuUuids: ['GPU-n2-0', 'GPU-n2-1'] },
      { node: 'n3', gpuUuids: ['GPU-n3-0'] },
    ]);
    expect(jobParts('n9', [])).toEqual([{ node: 'n9', gpuUuids: [] }]);
  });

  it("gives each node its own GPUs, its share of the job's CPUs and memory, the node list and its rank", () => {
    const parts = jobParts('n1', allocations);
    const batch = job(null, { kind: 'batch', command: 'srun-like', sessionToken: null, cpus: 10, memoryMiB: 5000 });
    const first = LaunchSpec.parse(launchSpecFor(batch, parts, 0));
    expect(first).toMatchObject({ gpuUuids: ['GPU-n1-0', 'GPU-n1-1'], nodes: ['n1', 'n2', 'n3'], rank: 0, cpus: 4, memoryMiB: 2000 });
    expect(first.session).toBeUndefined();
    expect(launchSpecFor(batch, parts, 2)).toMatchObject({ gpuUuids: ['GPU-n3-0'], rank: 2, cpus: 2, memoryMiB: 1000 });
    // One node: the job's own numbers, untouched.
    expect(launchSpecFor(batch, [parts[0] ?? { node: 'n1', gpuUuids: [] }], 0)).toMatchObject({ nodes: ['n1'], rank: 0, cpus: 10, memoryMiB: 5000 });
  });

  it("tells a Ray worker the head's address to join, never the head itself", () => {
    const ray = job('ray', { sessionAddress: '10.0.0.1:6379' });
    const parts = jobParts('n1', allocations);
    expect(launchSpecFor(ray, parts, 0).session).toEqual({ template: 'ray', baseUrl: '/s/7/', token: 'a'.repeat(48) });
    expect(LaunchSpec.parse(launchSpecFor(ray, parts, 1)).session).toEqual({ template: 'ray', baseUrl: '/s/7/', token: 'a'.repeat(48), headAddress: '10.0.0.1:6379' });
  });

  it('still reads launches of a scheduler that sends no node list (the agent takes them as its node alone: job-env.test.ts)', () => {
    const old = LaunchSpec.parse({ jobId: '1', kind: 'batch', command: 'true', gpuUuids: [], timeLimitSec: 60, user: 'alice' });
    expect([old.nodes, old.rank]).toEqual([undefined, undefined]);
    expect(LaunchSpec.safeParse({ ...old, nodes: ['n1'], rank: -1 }).success).toBe(false);
  });
});

describe('launch spec of a container job', () => {
  it('names the image of a batch job, and never one for a session', () => {
    expect(LaunchSpec.parse(launchSpecFor(job(null, { kind: 'batch', image: 'localhost/pytorch:24.01' }), one(['GPU-1']))).image).toBe('localhost/pytorch:24.01');
    expect(launchSpecFor(job(null, { kind: 'batch' }), one([])).image).toBeUndefined();
    expect(launchSpecFor(job('jupyter', { image: 'localhost/pytorch:24.01' }), one([])).image).toBeUndefined();
  });
});
