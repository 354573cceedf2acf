import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { onExited, onStarted } from '../src/job-lifecycle';
import { registerNode } from '../src/nodes';
import { inventory, setup } from './harness';

const t = testDbForFile();

const exited = (jobId: number, cause: 'exit' | 'stopped', exitCode: number | null) =>
  ({ v: 1, seq: 0, type: 'exited', jobId: String(jobId), exitCode, signal: null, cause }) as const;

describe('scheduler daemon on a real database and a fake clock', () => {
  it('places a job, launches it with its GPUs, and finishes it with its exit code', async () => {
    const { daemon, sender, submit, clock } = await setup(t.db, { n1: 2 });
    const job = await submit(1);
    await daemon.runOnce();
    const [launch] = sender.take();
    expect(launch?.node).toBe('n1');
    expect(launch?.body).toMatchObject({ type: 'launch', spec: { jobId: String(job.id), gpuUuids: ['GPU-n1-0'], kind: 'batch' } });
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).state).toBe('STARTING');
    await onStarted(t.db, job.id, 123, new Date(clock.now()));
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).state).toBe('RUNNING');
    await onExited(t.db, exited(job.id, 'exit', 0), new Date(clock.now()));
    const done = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(done).toMatchObject({ state: 'COMPLETED', exitCode: 0 });
    expect(await t.db.allocation.count({ where: { jobId: job.id, releasedAt: null } })).toBe(0);
    const events = await t.db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['STARTING', 'RUNNING', 'COMPLETED']);
  });

  it('never gives one GPU to two jobs, and starts the waiting job once GPUs are free', async () => {
    const { daemon, sender, submit, clock } = await setup(t.db, { n1: 2 });
    const a = await submit(2);
    await daemon.runOnce();
    expect(sender.take().map((s) => s.body.type === 'launch' && s.body.spec.jobId)).toEqual([String(a.id)]);
    const b = await submit(1);
    await daemon.runOnce();
    expect(sender.take()).toEqual([]);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: b.id } })).toMatchObject({ state: 'PENDING', reason: 'Resources' });
    await daemon.runOnce();
    expect(sender.take()).toEqual([]);
    await onExited(t.db, exited(a.id, 'exit', 1), new Date(clock.now()));
    expect(await t.db.job.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({ state: 'FAILED', reason: 'NonZeroExit', exitCode: 1 });
    await daemon.runOnce();
    expect(sender.take().map((s) => s.body.type === 'launch' && s.body.spec.jobId)).toEqual([String(b.id)]);
  });

  it('stops a job at its time limit and ends it as TIMEOUT', async () => {
    const { daemon, sender, submit, clock, advance } = await setup(t.db, { n1: 1 });
    const job = await submit(1, { timeLimitMinutes: 5 });
    await daemon.runOnce();
    sender.take();
    await onStarted(t.db, job.id, 1, new Date(clock.now()));
    await advance(4 * 60_000);
    await daemon.runOnce();
    expect(sender.take()).toEqual([]);
    await advance(60_000);
    await daemon.runOnce();
    expect(sender.take().map((s) => s.body)).toEqual([{ type: 'stop', jobId: String(job.id), graceSec: 5 }]);
    await onExited(t.db, exited(job.id, 'stopped', null), new Date(clock.now()));
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ state: 'TIMEOUT', reason: 'TimeLimit' });
  });

  it('explains jobs that can never start, or only on nodes that are down', async () => {
    const { daemon, submit } = await setup(t.db, { n1: 2, n2: 4 });
    const huge = await submit(8);
    const big = await submit(4);
    await t.db.node.update({ where: { name: 'n2' }, data: { state: 'DRAIN' } });
    await daemon.runOnce();
    expect((await t.db.job.findUniqueOrThrow({ where: { id: huge.id } })).reason).toBe('Unplaceable');
    expect((await t.db.job.findUniqueOrThrow({ where: { id: big.id } })).reason).toBe('NodeDown');
  });

  it('requeues the jobs of a node that stops heart-beating, and fails those that may not be requeued', async () => {
    const { daemon, sender, submit, clock } = await setup(t.db, { n1: 2 });
    const job = await submit(1);
    const once = await submit(1, { requeue: false });
    await daemon.runOnce();
    sender.take();
    await onStarted(t.db, job.id, 1, new Date(clock.now()));
    await onStarted(t.db, once.id, 2, new Date(clock.now()));
    clock.advance(61_000);
    await daemon.runOnce();
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ state: 'PENDING', startedAt: null, nodeName: null, reason: 'NodeDown' });
    expect(await t.db.job.findUniqueOrThrow({ where: { id: once.id } })).toMatchObject({ state: 'NODE_FAIL', reason: 'NodeLost' });
    expect(await t.db.allocation.count({ where: { releasedAt: null } })).toBe(0);
    expect((await t.db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: 'asc' } })).map((e) => e.type)).toEqual(['STARTING', 'RUNNING', 'REQUEUED']);
    expect((await t.db.node.findUniqueOrThrow({ where: { name: 'n1' } })).state).toBe('DOWN');
  });

  it('reconciles on reconnect: lost jobs are requeued, unknown ones are stopped, placed ones are launched again', async () => {
    const { daemon, sender, submit, clock } = await setup(t.db, { n1: 2 });
    const running = await submit(1);
    const placed = await submit(1);
    await daemon.runOnce();
    sender.take();
    await onStarted(t.db, running.id, 1, new Date(clock.now()));
    const rec = await registerNode(t.db, inventory('n1', 2), ['999'], new Date(clock.now()));
    expect(rec).toEqual({ stop: ['999'], relaunch: [placed.id] });
    expect((await t.db.job.findUniqueOrThrow({ where: { id: running.id } })).state).toBe('PENDING');
    await daemon.relaunch('n1', rec.relaunch);
    expect(sender.take().map((s) => s.body.type === 'launch' && s.body.spec.jobId)).toEqual([String(placed.id)]);
  });
});
