import type { JobExit } from '@sluice/contracts';
import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { endTime, onStarted, recordExits } from '../src/job-lifecycle';
import { reconcileRunning, registerNode } from '../src/nodes';
import { inventory, setup } from './harness';

// What happens when the agent or the scheduler restarts: the hello's and heartbeats' lists of
// running and finished jobs against the database (real SQLite, fake clock).
const t = testDbForFile();

const job = (id: number) => t.db.job.findUniqueOrThrow({ where: { id } });
const exit = (id: number | string, exitCode: number | null, extra: Partial<JobExit> = {}): JobExit => ({ jobId: String(id), exitCode, signal: null, cause: 'exit', ...extra });

/** Two jobs placed on n1 by a real cycle, the first of them started. */
async function placed() {
  const s = await setup(t.db, { n1: 2 });
  const running = await s.submit(1);
  const starting = await s.submit(1);
  await s.daemon.runOnce();
  s.sender.take();
  await onStarted(t.db, running.id, 100, new Date(s.clock.now()));
  return { ...s, running, starting };
}

describe('an agent that comes back reports what ended while nobody listened', () => {
  it('records the real exit code of a job that ended while the agent or the scheduler was down, instead of NodeLost', async () => {
    const { running, starting, clock } = await placed();
    const now = new Date(clock.now());
    // hello: nothing runs any more; one ended with 0 (its `exited` was lost), the other was never started.
    expect(await recordExits(t.db, 'n1', [exit(running.id, 0)], now)).toEqual({ stale: [] });
    const rec = await registerNode(t.db, inventory('n1', 2), [], now);
    expect(await job(running.id)).toMatchObject({ state: 'COMPLETED', exitCode: 0, reason: null });
    expect(rec).toEqual({ stop: [], relaunch: [starting.id] });
  });

  it('records the end of a job whose `started` was lost too (it ended while still STARTING here), and launches nothing again', async () => {
    const { starting, clock } = await placed();
    const now = new Date(clock.now());
    await recordExits(t.db, 'n1', [exit(starting.id, 3)], now);
    expect(await job(starting.id)).toMatchObject({ state: 'FAILED', reason: 'NonZeroExit', exitCode: 3 });
    expect((await registerNode(t.db, inventory('n1', 2), [], now)).relaunch).toEqual([]);
  });

  it('does not launch a STARTING job again when the agent already runs it (its launch arrived before the scheduler restarted)', async () => {
    const { running, starting, clock } = await placed();
    const rec = await registerNode(t.db, inventory('n1', 2), [String(running.id), String(starting.id)], new Date(clock.now()));
    expect(rec).toEqual({ stop: [], relaunch: [] });
    expect((await job(starting.id)).state).toBe('STARTING');
  });

  it('changes nothing for an end already recorded, or of a run the job has moved on from', async () => {
    const { running, starting, clock } = await placed();
    const now = new Date(clock.now());
    await recordExits(t.db, 'n1', [exit(running.id, 0)], now);
    // Reported again (the acknowledgement was lost): still COMPLETED with 0.
    await recordExits(t.db, 'n1', [exit(running.id, 9, { cause: 'stopped' })], now);
    expect(await job(running.id)).toMatchObject({ state: 'COMPLETED', exitCode: 0 });
    // Another node reports an end of a job placed on n1: not its job.
    await registerNode(t.db, inventory('n2', 1), [], now);
    expect(await recordExits(t.db, 'n2', [exit(starting.id, 1), exit(424242, 0), exit('../x', 0)], now)).toEqual({
      stale: [String(starting.id), '424242', '../x'],
    });
    expect((await job(starting.id)).state).toBe('STARTING');
  });

  it('ends a job at the time its node saw it end, never before it started nor in the future', async () => {
    const { running, clock } = await placed();
    const started = (await job(running.id)).startedAt as Date;
    clock.advance(600_000);
    const now = new Date(clock.now());
    const endedAt = new Date(started.getTime() + 60_000).toISOString();
    await recordExits(t.db, 'n1', [exit(running.id, 0, { endedAt })], now);
    expect((await job(running.id)).endedAt?.toISOString()).toBe(endedAt);
    expect((await t.db.allocation.findFirstOrThrow({ where: { jobId: running.id } })).releasedAt?.toISOString()).toBe(endedAt);
    expect(endTime('2000-01-01T00:00:00.000Z', started, now)).toEqual(started);
    expect(endTime('2999-01-01T00:00:00.000Z', started, now)).toEqual(now);
    expect(endTime(undefined, started, now)).toEqual(now);
    expect(endTime('2999-01-01T00:00:00.000Z', null, now)).toEqual(now);
    expect(endTime(endedAt, null, now).toISOString()).toBe(endedAt);
  });
});

describe('heartbeats keep both sides agreeing', () => {
  it('ends a running job the node neither runs nor reports ended as FAILED/NodeLost, and leaves a starting one alone', async () => {
    const { running, starting, clock } = await placed();
    expect(await reconcileRunning(t.db, 'n1', [], new Date(clock.now()))).toEqual({ gone: [running.id], unexpected: [] });
    expect(await job(running.id)).toMatchObject({ state: 'FAILED', reason: 'NodeLost' });
    expect(await t.db.allocation.count({ where: { jobId: running.id, releasedAt: null } })).toBe(0);
    expect((await job(starting.id)).state).toBe('STARTING');
  });

  it('has the node discard runs the scheduler does not know as placed there', async () => {
    const { running, starting, clock } = await placed();
    const now = new Date(clock.now());
    await recordExits(t.db, 'n1', [exit(running.id, 0)], now);
    // The agent still lists the job (its end is being acknowledged) and one nobody placed.
    expect(await reconcileRunning(t.db, 'n1', [String(starting.id), String(running.id), '999'], now)).toEqual({ gone: [], unexpected: [String(running.id), '999'] });
  });

  it('lets a node run its part of a job larger than one node (GPUs allocated there), and nothing else', async () => {
    const { starting, clock } = await placed();
    const now = new Date(clock.now());
    await registerNode(t.db, inventory('n2', 1), [], now);
    expect((await reconcileRunning(t.db, 'n2', [String(starting.id)], now)).unexpected).toEqual([String(starting.id)]);
    await t.db.allocation.create({ data: { jobId: starting.id, nodeName: 'n2', gpuUuid: 'GPU-n2-0' } });
    expect(await reconcileRunning(t.db, 'n2', [String(starting.id)], now)).toEqual({ gone: [], unexpected: [] });
    expect((await registerNode(t.db, inventory('n2', 1), [String(starting.id)], now)).stop).toEqual([]);
  });
});

describe('a node silent past the timeout', () => {
  it('has its jobs requeued; when its agent comes back with them still running, they are discarded there', async () => {
    const { daemon, running, clock } = await placed();
    clock.advance(61_000);
    await daemon.runOnce();
    expect(await job(running.id)).toMatchObject({ state: 'PENDING', nodeName: null });
    // Back, with the old run still going: it is not the scheduler's any more.
    const rec = await registerNode(t.db, inventory('n1', 2), [String(running.id)], new Date(clock.now()));
    expect(rec.stop).toEqual([String(running.id)]);
    // Its end, reported later, does not touch the requeued job.
    expect(await recordExits(t.db, 'n1', [exit(running.id, 0, { cause: 'stopped' })], new Date(clock.now()))).toEqual({ stale: [String(running.id)] });
    expect((await job(running.id)).state).toBe('PENDING');
  });
});
