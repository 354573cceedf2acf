import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { getFairshare } from '../src/server/services/fairshare';
import { getJob, listJobs } from '../src/server/services/jobs';
import { listQueue } from '../src/server/services/queue';
import { addPendingJob, addUser, serviceContext } from './harness';

const t = testDbForFile();

const fsRow = (account: string, user: string | null, depth: number, rawShares: number, rawUsage: number, levelFairshare: number | null) => ({
  account,
  user,
  parent: user ? account : null,
  depth,
  rawShares,
  normShares: 0.5,
  globalShares: 0.5,
  rawUsage,
  normUsage: rawUsage / 1000,
  effectiveUsage: rawUsage / 1000,
  levelFairshare,
  fairshareFactor: 0.5,
  allocatedGpus: 0,
});

async function publishFairshare() {
  const value = {
    at: '2026-11-20T11:59:00.000Z',
    algorithm: 'fair-tree',
    halfLifeSec: 604_800,
    rows: [fsRow('lab-a', null, 1, 1, 800, 0.625), fsRow('lab-a', 'alice', 2, 1, 800, 1), fsRow('lab-b', null, 1, 1, 200, 2.5), fsRow('lab-b', 'bob', 2, 1, 200, 1)],
  };
  await t.db.schedulerState.create({ data: { key: 'fairshare', value: JSON.stringify(value) } });
}

describe('fair-share view', () => {
  it('before the scheduler publishes anything: no rows, no time', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    expect(await getFairshare(ctx, await addUser(t.db, 'alice'))).toEqual({ algorithm: 'fair-tree', halfLifeSec: 604_800, at: null, rows: [] });
  });

  it('everyone sees every account; users only the user rows of their own accounts; admins all', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const alice = await addUser(t.db, 'alice');
    const bob = await addUser(t.db, 'bob');
    const admin = await addUser(t.db, 'root', 'admin');
    await t.db.account.createMany({ data: [{ name: 'lab-a' }, { name: 'lab-b' }] });
    await t.db.accountMember.create({ data: { accountName: 'lab-a', userId: alice.id } });
    await publishFairshare();

    const seen = await getFairshare(ctx, alice);
    expect(seen.at).toBe('2026-11-20T11:59:00.000Z');
    expect(seen.rows.map((r) => [r.account, r.user])).toEqual([
      ['lab-a', null],
      ['lab-a', 'alice'],
      ['lab-b', null],
    ]);
    expect(seen.rows[0]?.summary).toBe(
      "lab-a has 1 of 2 shares (50% of the cluster) and used 80% of recent GPU time (half-life 7 days), more than its share, so lab-a's jobs get lower priority than lab-b's.",
    );
    expect((await getFairshare(ctx, admin)).rows.map((r) => r.user)).toEqual([null, 'alice', null, 'bob']);
    // Charged to lab-b without being a member (like the open `default` account): bob still sees his own row.
    expect((await getFairshare(ctx, bob)).rows.map((r) => r.user)).toEqual([null, null, 'bob']);
  });

  it('a malformed document reads as "not published yet" rather than failing the page', async () => {
    await t.db.schedulerState.create({ data: { key: 'fairshare', value: '{"rows": 3' } });
    expect((await getFairshare(serviceContext(t.db, t.dataDir), await addUser(t.db, 'alice'))).rows).toEqual([]);
  });
});

describe('queue', () => {
  it("lists everyone's pending jobs in queue order, hiding others' names and commands unless admin", async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const alice = await addUser(t.db, 'alice');
    const bob = await addUser(t.db, 'bob');
    const admin = await addUser(t.db, 'root', 'admin');
    const a1 = await addPendingJob(t.db, alice.id, { name: 'alice-first', account: 'lab-a' });
    const b1 = await addPendingJob(t.db, bob.id, { name: 'bob-secret', account: 'lab-b', gpus: 4 });
    const unexplained = await addPendingJob(t.db, bob.id, { name: 'bob-new' });
    await addPendingJob(t.db, alice.id, { name: 'done', state: 'COMPLETED' });
    const breakdown = { total: 9000, base: 0, factors: { fairshare: 0.5, age: 0, jobSize: 1, qos: 0.2 }, weights: { fairshare: 10000, age: 2000, jobSize: 5000, qos: 20000 }, weighted: { fairshare: 5000, age: 0, jobSize: 0, qos: 4000 } };
    // Estimates in the past read as "now"; a future one is shown as it is.
    const eta = new Date(Date.now() + 3_600_000);
    const explain = (jobId: number, position: number, priority: number) =>
      t.db.pendingExplain.create({
        data: { jobId, position, positionInAccount: 1, priority, breakdown: JSON.stringify({ ...breakdown, total: priority }), estimatedStart: position === 1 ? eta : null, updatedAt: new Date() },
      });
    await explain(b1.id, 1, 9000);
    await explain(a1.id, 2, 7000);
    await t.db.job.update({ where: { id: a1.id }, data: { reason: 'Priority' } });
    await t.db.job.update({ where: { id: b1.id }, data: { reason: 'Resources' } });

    const q = await listQueue(ctx, alice);
    expect(q.map((j) => j.id)).toEqual([String(b1.id), String(a1.id), String(unexplained.id)]);
    expect(q[0]).toMatchObject({ name: null, command: null, user: 'bob', account: 'lab-b', gpus: 4, position: 1, estimatedStart: eta.toISOString(), priority: 9000, reason: 'Resources', mine: false });
    expect(q[1]).toMatchObject({ name: 'alice-first', command: 'python alice-first.py', position: 2, reason: 'Priority', reasonText: expect.stringMatching(/Higher-priority jobs/), mine: true });
    // Not planned yet (submitted after the scheduler's last cycle): the back of the published queue.
    expect(q[2]).toMatchObject({ name: null, position: null, estimatedStart: eta.toISOString(), priority: null });
    expect((await listQueue(ctx, admin)).map((j) => j.name)).toEqual(['bob-secret', 'alice-first', 'bob-new']);
  });

  it('estimates a job the scheduler has not planned yet at the back of the queue, or now when nothing waits', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const alice = await addUser(t.db, 'alice');
    const fresh = await addPendingJob(t.db, alice.id, { name: 'fresh' });
    // Nothing published: it may start at the scheduler's next cycle.
    expect((await getJob(ctx, alice, String(fresh.id))).estimatedStart).toBe(ctx.now().toISOString());
    const planned = await addPendingJob(t.db, alice.id, { name: 'planned' });
    const back = new Date(ctx.now().getTime() + 2 * 3_600_000);
    await t.db.pendingExplain.create({ data: { jobId: planned.id, position: 1, positionInAccount: 1, priority: 1, breakdown: 'null', estimatedStart: back, updatedAt: new Date() } });
    const views = await listJobs(ctx, alice);
    expect(views.find((j) => j.id === String(fresh.id))?.estimatedStart).toBe(back.toISOString());
    // Jobs that are not pending never show one.
    await t.db.job.update({ where: { id: fresh.id }, data: { state: 'CANCELLED' } });
    expect((await getJob(ctx, alice, String(fresh.id))).estimatedStart).toBeNull();
  });
});

