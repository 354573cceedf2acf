import { describe, expect, it } from 'vitest';
import { AgentMessage, PROTOCOL_VERSION, SchedulerMessage } from '../src/agent-protocol';

const inventory = { name: 'gpu01', hostname: 'gpu01', cpus: 8, memoryMiB: 1024, gpuSource: 'simulated', gpus: [] };
const head = { v: PROTOCOL_VERSION, seq: 0 };

describe('agent protocol: finished jobs survive restarts', () => {
  it('reads a hello without finished jobs (an older agent) as having none', () => {
    const hello = AgentMessage.parse({ ...head, type: 'hello', inventory, running: ['4'] });
    expect(hello).toMatchObject({ type: 'hello', running: ['4'], finished: [] });
  });

  it('carries the real outcome of jobs that ended while nobody listened, in hello and heartbeat', () => {
    const exit = { jobId: '7', exitCode: 3, signal: null, cause: 'exit', endedAt: '2026-11-23T09:00:00.000Z' } as const;
    expect(AgentMessage.parse({ ...head, type: 'hello', inventory, running: [], finished: [exit] })).toMatchObject({ finished: [exit] });
    expect(AgentMessage.parse({ ...head, type: 'heartbeat', running: [], finished: [exit] })).toMatchObject({ finished: [exit] });
    expect(AgentMessage.parse({ ...head, type: 'exited', ...exit })).toMatchObject({ type: 'exited', exitCode: 3 });
  });

  it('refuses a finished job without a cause, or with a malformed end time', () => {
    expect(AgentMessage.safeParse({ ...head, type: 'hello', inventory, running: [], finished: [{ jobId: '7', exitCode: 0, signal: null }] }).success).toBe(false);
    expect(AgentMessage.safeParse({ ...head, type: 'exited', jobId: '7', exitCode: 0, signal: null, cause: 'exit', endedAt: 'yesterday' }).success).toBe(false);
  });

  it('lets the scheduler acknowledge recorded exits and discard runs it has no record of', () => {
    expect(SchedulerMessage.parse({ ...head, type: 'exits-recorded', jobIds: ['7', '8'] })).toMatchObject({ jobIds: ['7', '8'] });
    expect(SchedulerMessage.parse({ ...head, type: 'stop', jobId: '9', graceSec: 0, discard: true })).toMatchObject({ discard: true });
    expect(SchedulerMessage.parse({ ...head, type: 'stop', jobId: '9', graceSec: 10 })).not.toHaveProperty('discard');
    expect(SchedulerMessage.safeParse({ ...head, type: 'exits-recorded', jobIds: [7] }).success).toBe(false);
  });
});
