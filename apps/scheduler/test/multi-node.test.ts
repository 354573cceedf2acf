import type { SchedulerMessageBody } from '@sluice/contracts';
import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { onExited, onSessionReady, onStarted } from '../src/job-lifecycle';
import { reconcileRunning, registerNode } from '../src/nodes';
import { restartDelayMs } from '../src/ranks';
import { inventory, setup } from './harness';

const t = testDbForFile();

const exited = (jobId: number, cause: 'exit' | 'stopped', exitCode: number | null) =>
  ({ v: 1, seq: 0, type: 'exited', jobId: String(jobId), exitCode, signal: null, cause }) as const;
type Sent = { node: string; body: SchedulerMessageBody };
const launches = (sent: Sent[]) => sent.flatMap((s) => (s.body.type === 'launch' ? [{ node: s.node, ...s.body.spec }] : []));
const stops = (sent: Sent[]) => sent.flatMap((s) => (s.body.type === 'stop' ? [`${s.node}:${s.body.jobId}`] : []));

/** A Ray session of 4 GPUs on nodes of 2: placed, its head started and reporting its address. */
async function rayOnTwoNodes() {
  const h = await setup(t.db, { n1: 2, n2: 2, n3: 2 });
  const { daemon, sender, clock, user } = h;
  const job = await t.db.job.create({
    data: { userId: user.id, name: 'ray', kind: 'session', template: 'ray', command: 'ray start', gpus: 4, timeLimitMinutes: 60, qos: 'interactive', requeue: false },
  });
  await daemon.runOnce();
  const [head, ...others] = launches(sender.take());
  expect(others).toEqual([]);
  const placed = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
  const workerNode = (head?.nodes ?? []).find((n) => n !== head?.node) ?? '';
  await onStarted(t.db, job.id, 100, new Date(clock.now()));
  await onSessionReady(t.db, job.id, '127.0.0.1', 8265, '127.0.0.1:6379');
  await h.ranks.headReady(job.id);
  return { ...h, job, head, headNode: placed.nodeName ?? '', workerNode };
}

describe('multi-node jobs on a real database and a fake clock', () => {
  it('runs a batch job larger than a node on its first node only, telling it every node and its rank', async () => {
    const { daemon, sender, submit, clock } = await setup(t.db, { n1: 2, n2: 2, n3: 2 });
    const big = await submit(4);
    await daemon.runOnce();
    const sent = launches(sender.take());
    expect(sent).toHaveLength(1);
    const job = await t.db.job.findUniqueOrThrow({ where: { id: big.id } });
    expect(sent[0]).toMatchObject({ node: job.nodeName, rank: 0, gpuUuids: [`GPU-${job.nodeName}-0`, `GPU-${job.nodeName}-1`] });
    expect(sent[0]?.nodes).toHaveLength(2);
    expect(sent[0]?.nodes?.[0]).toBe(job.nodeName);
    await onStarted(t.db, big.id, 1, new Date(clock.now()));
    await onExited(t.db, exited(big.id, 'exit', 0), new Date(clock.now()));
    expect(await t.db.allocation.count({ where: { jobId: big.id, releasedAt: null } })).toBe(0);
  });

  it("launches a Ray session's head first and a worker on every other node once the head is up", async () => {
    const { head, headNode, workerNode, sender, job } = await rayOnTwoNodes();
    expect(head).toMatchObject({ node: headNode, rank: 0, session: { template: 'ray' } });
    expect(head?.session?.headAddress).toBeUndefined();
    expect(launches(sender.take())).toEqual([
      expect.objectContaining({ node: workerNode, jobId: String(job.id), rank: 1, nodes: [headNode, workerNode], gpuUuids: [`GPU-${workerNode}-0`, `GPU-${workerNode}-1`], session: expect.objectContaining({ headAddress: '127.0.0.1:6379' }) }),
    ]);
  });

  it('restarts a worker that exits with a growing back-off, logs it to the job, and never ends the job for it', async () => {
    const { ranks, daemon, sender, advance, job, workerNode, jobLogs } = await rayOnTwoNodes();
    sender.take();
    await ranks.report(workerNode, { type: 'started', jobId: String(job.id), pid: 5 });
    await ranks.report(workerNode, exited(job.id, 'exit', 1));
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).state).toBe('RUNNING');
    expect(jobLogs.get(job.id)).toContain(`the Ray worker on ${workerNode} ended (exit code 1); restarting it in 1.0 s (failure 1 in a row)`);
    await advance(900);
    await daemon.runOnce();
    expect(launches(sender.take())).toEqual([]);
    await advance(100);
    await daemon.runOnce();
    expect(launches(sender.take()).map((l) => [l.node, l.rank])).toEqual([[workerNode, 1]]);
    // Failing again right away doubles the wait: 2 s, then 4 s.
    await ranks.report(workerNode, exited(job.id, 'exit', 1));
    await advance(1999);
    await daemon.runOnce();
    expect(launches(sender.take())).toEqual([]);
    await advance(1);
    await daemon.runOnce();
    expect(launches(sender.take())).toHaveLength(1);
    await ranks.report(workerNode, exited(job.id, 'exit', 1));
    expect(jobLogs.get(job.id)).toContain('restarting it in 4.0 s (failure 3 in a row)');
    await advance(4000);
    await daemon.runOnce();
    sender.take();
    // A worker that stayed up a minute is healthy: its next failure waits the shortest time again.
    await ranks.report(workerNode, { type: 'started', jobId: String(job.id), pid: 6 });
    await advance(60_000);
    await ranks.report(workerNode, exited(job.id, 'exit', 137));
    expect(jobLogs.get(job.id)).toContain('(exit code 137); restarting it in 1.0 s (failure 1 in a row)');
    const events = await t.db.jobEvent.findMany({ where: { jobId: job.id, type: 'WORKER_RESTART' } });
    expect(events).toHaveLength(4);
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).state).toBe('RUNNING');
  });

  it('counts an end once, though its node reports it until it is acknowledged', async () => {
    const { ranks, job, workerNode, jobLogs } = await rayOnTwoNodes();
    const end = { ...exited(job.id, 'exit', 1), endedAt: '2026-11-23T09:00:01.000Z' };
    await ranks.report(workerNode, end);
    await ranks.report(workerNode, end);
    expect(jobLogs.get(job.id)?.match(/restarting it/g)).toHaveLength(1);
    expect(await t.db.jobEvent.count({ where: { jobId: job.id, type: 'WORKER_RESTART' } })).toBe(1);
  });

  it('restarts a worker missing from its node heartbeat (its exit lost), but not one just launched', async () => {
    const { ranks, daemon, sender, advance, clock, job, workerNode, jobLogs } = await rayOnTwoNodes();
    sender.take();
    await ranks.checkNode(workerNode, [], clock.now());
    expect(jobLogs.get(job.id) ?? '').not.toContain('ended');
    await advance(30_000);
    await ranks.checkNode(workerNode, [String(job.id)], clock.now());
    expect(jobLogs.get(job.id) ?? '').not.toContain('ended');
    await ranks.checkNode(workerNode, [], clock.now());
    expect(jobLogs.get(job.id)).toContain(`ended (not running on ${workerNode}); restarting it in 1.0 s`);
    await advance(1000);
    await daemon.runOnce();
    expect(launches(sender.take()).map((l) => l.node)).toEqual([workerNode]);
  });

  it("ends the job when its head (rank 0) ends, stops the workers, and does not restart them", async () => {
    const { ranks, daemon, sender, advance, clock, job, headNode, workerNode, jobLogs } = await rayOnTwoNodes();
    sender.take();
    await onExited(t.db, exited(job.id, 'exit', 1), new Date(clock.now()));
    await ranks.jobEnded(job.id);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ state: 'FAILED', reason: 'NonZeroExit', sessionAddress: null });
    expect(stops(sender.take())).toEqual([`${workerNode}:${job.id}`]);
    await ranks.report(workerNode, exited(job.id, 'stopped', null));
    await advance(120_000);
    await daemon.runOnce();
    expect(launches(sender.take())).toEqual([]);
    expect(jobLogs.get(job.id) ?? '').not.toContain('restarting');
    // A node that still runs a part of the ended job is told to stop it at its next heartbeat.
    expect((await reconcileRunning(t.db, workerNode, [String(job.id)], new Date(clock.now()))).unexpected).toEqual([String(job.id)]);
    await ranks.checkNode(headNode, [], clock.now());
    expect(sender.take()).toEqual([]);
  });

  it('stops every node of a cancelled Ray session, and a worker ending then is not restarted', async () => {
    const { ranks, daemon, sender, advance, job, headNode, workerNode } = await rayOnTwoNodes();
    sender.take();
    await t.db.job.update({ where: { id: job.id }, data: { stopRequested: 'Cancelled' } });
    await daemon.runOnce();
    expect(stops(sender.take()).sort()).toEqual([`${headNode}:${job.id}`, `${workerNode}:${job.id}`].sort());
    await ranks.report(workerNode, exited(job.id, 'stopped', null));
    await advance(5000);
    await daemon.runOnce();
    expect(launches(sender.take())).toEqual([]);
  });

  it('keeps a worker running across its agent reconnecting, and tells who speaks for the job', async () => {
    const { ranks, clock, job, headNode, workerNode } = await rayOnTwoNodes();
    expect(await registerNode(t.db, inventory(workerNode, 2), [String(job.id)], new Date(clock.now()))).toEqual({ stop: [], relaunch: [] });
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).state).toBe('RUNNING');
    expect(await ranks.placement(job.id, headNode)).toBe('first');
    expect(await ranks.placement(job.id, workerNode)).toBe('other');
    const third = ['n1', 'n2', 'n3'].find((n) => n !== headNode && n !== workerNode) ?? '';
    expect(await ranks.placement(job.id, third)).toBeNull();
  });
});

describe('worker restart back-off', () => {
  it('doubles from 1 s to at most 60 s, with ±20% jitter', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map((n) => restartDelayMs(n, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
    expect(restartDelayMs(1, () => 0)).toBe(800);
    expect(restartDelayMs(1, () => 1)).toBe(1200);
  });
});
