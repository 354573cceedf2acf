import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { recordActivity } from '../src/idle';
import { onExited, onStarted } from '../src/job-lifecycle';
import { setup } from './harness';

const t = testDbForFile();

const MIN = 60_000;

async function runningSession(h: Awaited<ReturnType<typeof setup>>, extra: { idleTimeoutMinutes?: number } = {}) {
  const job = await t.db.job.create({
    data: { userId: h.user.id, name: 'jupyter', kind: 'session', command: 'jupyter-lab', gpus: 1, timeLimitMinutes: 600, qos: 'interactive', requeue: false, submittedAt: new Date(h.clock.now()), ...extra },
  });
  await h.daemon.runOnce();
  await onStarted(t.db, job.id, 1, new Date(h.clock.now()));
  h.sender.take();
  return job;
}

const stops = (h: Awaited<ReturnType<typeof setup>>) => h.sender.take().filter((s) => s.body.type === 'stop');

describe('idle reclaim of sessions', () => {
  it('warns an idle session, then stops it at its QOS idle timeout and frees its GPU', async () => {
    const h = await setup(t.db, { n1: 1 });
    const job = await runningSession(h);
    const started = h.clock.now();
    await h.advance(49 * MIN);
    await h.daemon.runOnce();
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).idleStopAt).toBeNull();
    await h.advance(1 * MIN);
    await h.daemon.runOnce();
    // The interactive QOS stops sessions idle for 60 minutes; the warning comes 10 minutes before.
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).idleStopAt?.getTime()).toBe(started + 60 * MIN);
    expect(stops(h)).toEqual([]);
    await h.advance(10 * MIN);
    await h.daemon.runOnce();
    expect(stops(h).map((s) => s.body)).toEqual([{ type: 'stop', jobId: String(job.id), graceSec: 5 }]);
    await onExited(t.db, { v: 1, seq: 0, type: 'exited', jobId: String(job.id), exitCode: null, signal: 'SIGTERM', cause: 'stopped' }, new Date(h.clock.now()));
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ state: 'CANCELLED', reason: 'Idle' });
    expect(await t.db.allocation.count({ where: { releasedAt: null } })).toBe(0);
  });

  it('activity from the node clears the warning and restarts the clock; only newer activity, only from its own node', async () => {
    const h = await setup(t.db, { n1: 1, n2: 1 });
    const job = await runningSession(h);
    await h.advance(55 * MIN);
    await h.daemon.runOnce();
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).idleStopAt).not.toBeNull();
    const node = (await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).nodeName as string;
    const other = node === 'n1' ? 'n2' : 'n1';
    const at = new Date(h.clock.now());
    await recordActivity(t.db, other, { [job.id]: at.toISOString() });
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).lastActivityAt).toBeNull();
    await recordActivity(t.db, node, { [job.id]: at.toISOString(), 'not-a-job': 'x' });
    await recordActivity(t.db, node, { [job.id]: new Date(at.getTime() - MIN).toISOString() });
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ lastActivityAt: at, idleStopAt: null });
    await h.advance(30 * MIN);
    await h.daemon.runOnce();
    expect(stops(h)).toEqual([]);
    await h.advance(30 * MIN);
    await h.daemon.runOnce();
    expect(stops(h)).toHaveLength(1);
  });

  it("uses the strictest timeout of the QOS, the account and the user's own", async () => {
    const h = await setup(t.db, { n1: 2 });
    await t.db.account.update({ where: { name: 'default' }, data: { idleTimeoutMinutes: 30 } });
    const byAccount = await runningSession(h);
    const byUser = await runningSession(h, { idleTimeoutMinutes: 15 });
    await h.advance(15 * MIN);
    await h.daemon.runOnce();
    const first = stops(h);
    expect(first.map((s) => s.body.type === 'stop' && s.body.jobId)).toEqual([String(byUser.id)]);
    await onExited(t.db, { v: 1, seq: 0, type: 'exited', jobId: String(byUser.id), exitCode: null, signal: 'SIGTERM', cause: 'stopped' }, new Date(h.clock.now()));
    await h.advance(15 * MIN);
    await h.daemon.runOnce();
    expect(stops(h).map((s) => s.body.type === 'stop' && s.body.jobId)).toEqual([String(byAccount.id)]);
  });

  it('stops a busy session at the maximum lifetime of its QOS, as TIMEOUT', async () => {
    const h = await setup(t.db, { n1: 1 });
    await t.db.qos.update({ where: { name: 'interactive' }, data: { maxLifetimeMinutes: 120 } });
    try {
      const job = await runningSession(h);
      for (let i = 0; i < 4; i++) {
        await h.advance(30 * MIN);
        await recordActivity(t.db, 'n1', { [job.id]: new Date(h.clock.now()).toISOString() });
        await h.daemon.runOnce();
        expect(stops(h)).toHaveLength(i === 3 ? 1 : 0);
      }
      await onExited(t.db, { v: 1, seq: 0, type: 'exited', jobId: String(job.id), exitCode: null, signal: 'SIGTERM', cause: 'stopped' }, new Date(h.clock.now()));
      expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ state: 'TIMEOUT', reason: 'MaxLifetime' });
    } finally {
      await t.db.qos.update({ where: { name: 'interactive' }, data: { maxLifetimeMinutes: 720 } });
    }
  });
});
