import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { onExited, onStarted } from '../src/job-lifecycle';
import { loadPolicyFile } from '../src/policy';
import { setup } from './harness';

const t = testDbForFile();

const launched = (sent: { body: { type: string; spec?: { jobId: string } } }[]) => sent.flatMap((s) => (s.body.type === 'launch' && s.body.spec ? [s.body.spec.jobId] : []));

async function userIn(account: string, name: string) {
  await t.db.account.upsert({ where: { name: account }, create: { name: account }, update: {} });
  const user = await t.db.user.create({ data: { username: name, passwordHash: 'x' } });
  await t.db.accountMember.create({ data: { accountName: account, userId: user.id } });
  return user;
}

describe('scheduler daemon with accounts, QOS and usage', () => {
  it('gives free GPUs to the account that used less, whatever the submission order', async () => {
    const { daemon, sender, submit } = await setup(t.db, { n1: 1 });
    const heavy = await userIn('lab-a', 'alice');
    const light = await userIn('lab-b', 'bob');
    await t.db.usage.create({ data: { account: 'lab-a', user: 'alice', gpuSeconds: 50_000 } });
    const first = await submit(1, { userId: heavy.id, account: 'lab-a' });
    const second = await submit(1, { userId: light.id, account: 'lab-b' });
    await daemon.runOnce();
    await daemon.published();
    expect(launched(sender.take())).toEqual([String(second.id)]);
    const waiting = await t.db.pendingExplain.findUniqueOrThrow({ where: { jobId: first.id } });
    expect(waiting).toMatchObject({ position: 1, positionInAccount: 1 });
    const breakdown = JSON.parse(waiting.breakdown);
    expect(breakdown.factors.fairshare).toBeLessThan(1);
    expect(breakdown.weights).toMatchObject({ fairshare: expect.any(Number), age: expect.any(Number) });
    // It starts when the running job's time limit ends, at the latest.
    expect(waiting.estimatedStart?.getTime()).toBe((await t.db.job.findUniqueOrThrow({ where: { id: second.id } })).submittedAt.getTime() + 10 * 60_000);
    // The report shows the cycle's starting point: the next cycle sees the started job.
    await daemon.runOnce();
    await daemon.published();
    const report = JSON.parse((await t.db.schedulerState.findUniqueOrThrow({ where: { key: 'fairshare' } })).value);
    const rowOf = (account: string) => report.rows.find((r: { account: string; user: string | null }) => r.account === account && r.user === null);
    expect(rowOf('lab-a').fairshareFactor).toBeLessThan(rowOf('lab-b').fairshareFactor);
    expect(rowOf('lab-b').allocatedGpus).toBe(1);
  });

  it('starts a job without GPUs while every GPU is allocated, as long as its cores fit on the node', async () => {
    const { daemon, sender, submit, user } = await setup(t.db, { n1: 2 });
    const gpuJob = await submit(2);
    await t.db.job.update({ where: { id: gpuJob.id }, data: { cpus: 4, memoryMiB: 32_768 } });
    await daemon.runOnce();
    await daemon.published();
    expect(launched(sender.take())).toEqual([String(gpuJob.id)]);
    const cpuJob = (cpus: number) => t.db.job.create({ data: { userId: user.id, name: 'cpu', command: 'true', gpus: 0, cpus, memoryMiB: 1024, timeLimitMinutes: 10 } });
    const fits = await cpuJob(3);
    const tooBig = await cpuJob(2);
    await daemon.runOnce();
    await daemon.published();
    // n1 has 8 cores: 4 for the GPU job, 3 for the first CPU job, 1 left.
    expect(launched(sender.take())).toEqual([String(fits.id)]);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: fits.id } })).toMatchObject({ state: 'STARTING', nodeName: 'n1' });
    expect(await t.db.allocation.count({ where: { jobId: fits.id } })).toBe(0);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: tooBig.id } })).toMatchObject({ state: 'PENDING', reason: 'Resources' });
  });

  it('charges GPU time to the account and user once per calculation period, and counts it against the budget', async () => {
    const { daemon, submit, advance } = await setup(t.db, { n1: 2 });
    const u = await userIn('lab-a', 'carol');
    await submit(2, { userId: u.id, account: 'lab-a' });
    await daemon.runOnce();
    await daemon.published();
    await advance(30_000);
    await daemon.runOnce();
    await daemon.published();
    expect(await t.db.usage.count()).toBe(0);
    await advance(60_000);
    await daemon.runOnce();
    await daemon.published();
    const usage = await t.db.usage.findUniqueOrThrow({ where: { account_user: { account: 'lab-a', user: 'carol' } } });
    // 2 GPUs x 90 s, barely decayed with a 7-day half-life.
    expect(usage.gpuSeconds).toBeGreaterThan(179.9);
    expect(usage.gpuSeconds).toBeLessThanOrEqual(180);
    const budget = await t.db.budgetUsage.findFirstOrThrow({ where: { account: 'lab-a' } });
    expect(budget.gpuHours).toBeCloseTo(180 / 3600, 6);
  });

  it('preempts a scavenger job for a batch job, then requeues it and starts the waiting job', async () => {
    const { daemon, sender, submit, clock, advance } = await setup(t.db, { n1: 2 });
    const scav = await submit(2, { qos: 'scavenger' });
    await daemon.runOnce();
    await daemon.published();
    await onStarted(t.db, scav.id, 1, new Date(clock.now()));
    sender.take();
    await advance(301_000);
    const batch = await submit(1);
    await daemon.runOnce();
    await daemon.published();
    expect(sender.take().map((s) => s.body)).toEqual([{ type: 'stop', jobId: String(scav.id), graceSec: 5 }]);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: scav.id } })).toMatchObject({ state: 'RUNNING', stopRequested: 'Preempted' });
    expect((await t.db.job.findUniqueOrThrow({ where: { id: batch.id } })).reason).toBe('Preempting');
    await onExited(t.db, { v: 1, seq: 0, type: 'exited', jobId: String(scav.id), exitCode: null, signal: 'SIGTERM', cause: 'stopped' }, new Date(clock.now()));
    expect(await t.db.job.findUniqueOrThrow({ where: { id: scav.id } })).toMatchObject({ state: 'PENDING', preemptCount: 1, stopRequested: null, startedAt: null });
    await daemon.runOnce();
    await daemon.published();
    expect(launched(sender.take())).toEqual([String(batch.id)]);
  });

  it('ends a preempted job that asked not to be requeued as PREEMPTED', async () => {
    const { daemon, sender, submit, clock, advance } = await setup(t.db, { n1: 1 });
    const scav = await submit(1, { qos: 'scavenger', requeue: false });
    await daemon.runOnce();
    await daemon.published();
    await onStarted(t.db, scav.id, 1, new Date(clock.now()));
    await advance(301_000);
    await submit(1);
    await daemon.runOnce();
    await daemon.published();
    sender.take();
    await onExited(t.db, { v: 1, seq: 0, type: 'exited', jobId: String(scav.id), exitCode: null, signal: 'SIGTERM', cause: 'stopped' }, new Date(clock.now()));
    expect(await t.db.job.findUniqueOrThrow({ where: { id: scav.id } })).toMatchObject({ state: 'PREEMPTED', reason: 'Preempted' });
  });

  it('places a job larger than a node on whole nodes, holding GPUs on each and launching on the first', async () => {
    const { daemon, sender, submit } = await setup(t.db, { n1: 2, n2: 2, n3: 2 });
    const big = await submit(4);
    await daemon.runOnce();
    await daemon.published();
    const sent = sender.take();
    expect(launched(sent)).toEqual([String(big.id)]);
    const allocs = await t.db.allocation.findMany({ where: { jobId: big.id } });
    expect(new Set(allocs.map((a) => a.nodeName)).size).toBe(2);
    expect(allocs).toHaveLength(4);
    const job = await t.db.job.findUniqueOrThrow({ where: { id: big.id } });
    expect(sent[0]?.node).toBe(job.nodeName);
  });

  it('applies QOS classes as the database has them: a job over its QOS wall time waits with the reason', async () => {
    const { daemon, submit } = await setup(t.db, { n1: 1 });
    await t.db.qos.update({ where: { name: 'batch' }, data: { maxWallMinutes: 5 } });
    try {
      const long = await submit(1, { timeLimitMinutes: 10 });
      await daemon.runOnce();
    await daemon.published();
      expect((await t.db.job.findUniqueOrThrow({ where: { id: long.id } })).reason).toBe('WallTimeLimit');
    } finally {
      await t.db.qos.update({ where: { name: 'batch' }, data: { maxWallMinutes: 20160 } });
    }
  });

  it('drops a job from the published queue once it starts', async () => {
    const { daemon, submit, clock } = await setup(t.db, { n1: 1 });
    const a = await submit(1);
    const b = await submit(1);
    await daemon.runOnce();
    await daemon.published();
    expect((await t.db.pendingExplain.findMany()).map((e) => e.jobId)).toEqual([b.id]);
    await onExited(t.db, { v: 1, seq: 0, type: 'exited', jobId: String(a.id), exitCode: 0, signal: null, cause: 'exit' }, new Date(clock.now()));
    await daemon.runOnce();
    await daemon.published();
    expect(await t.db.pendingExplain.count()).toBe(0);
  });
});

describe('policy file', () => {
  it('merges site overrides over the defaults and names the file when it is not valid JSON', () => {
    const good = path.join(t.dataDir, 'policy.json');
    writeFileSync(good, JSON.stringify({ fairshare: { halfLifeSec: 600 }, priority: { calcPeriodSec: 5 } }));
    const config = loadPolicyFile(good);
    expect(config.fairshare.halfLifeSec).toBe(600);
    expect(config.priority.calcPeriodSec).toBe(5);
    expect(config.fairshare.algorithm).toBe('fair-tree');
    const bad = path.join(t.dataDir, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => loadPolicyFile(bad)).toThrow(/bad\.json/);
    writeFileSync(bad, '[1]');
    expect(() => loadPolicyFile(bad)).toThrow(/JSON object/);
  });
});
