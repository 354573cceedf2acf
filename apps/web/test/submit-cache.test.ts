import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { issueApiToken, validateApiToken } from '../src/server/auth/api-tokens';
import { removeMember, setMember } from '../src/server/services/accounts';
import { JobWriter } from '../src/server/services/job-writer';
import { submitJob } from '../src/server/services/jobs';
import { updateUser } from '../src/server/services/users';
import { addUser, serviceContext } from './harness';

// What the portal caches for submissions (ttl-cache.ts) never lets a change made through the
// portal go unseen, and never refuses a job on stale facts.
const t = testDbForFile();

const job = { command: 'sleep 1', gpus: 1, timeLimitMinutes: 5 };

describe('submissions with cached facts', () => {
  it('see memberships, default accounts and roles an admin changes at once', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const admin = await addUser(t.db, 'root', 'admin');
    const ann = await addUser(t.db, 'ann');
    await t.db.account.create({ data: { name: 'lab' } });
    expect((await submitJob(ctx, ann, job)).account).toBe('default');
    await setMember(ctx, admin, 'lab', 'ann', {});
    await updateUser(ctx, admin, 'ann', { defaultAccount: 'lab' });
    expect((await submitJob(ctx, ann, job)).account).toBe('lab');
    await removeMember(ctx, admin, 'lab', 'ann');
    await expect(submitJob(ctx, ann, { ...job, account: 'lab' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await submitJob(ctx, ann, job)).account).toBe('default');

    const { token } = await issueApiToken(t.db, admin.id, ctx.now());
    const other = await addUser(t.db, 'root2', 'admin');
    expect(await validateApiToken(t.db, token, ctx.now(), ctx.cache)).toMatchObject({ username: 'root', role: 'admin' });
    await updateUser(ctx, other, 'root', { role: 'user' });
    expect(await validateApiToken(t.db, token, ctx.now(), ctx.cache)).toMatchObject({ username: 'root', role: 'user' });
  });

  it('check a refusal again against the database (a node that joined, a membership made elsewhere)', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const ann = await addUser(t.db, 'ann');
    const node = await t.db.node.create({ data: { name: 'n1' } });
    await t.db.gpu.create({ data: { uuid: 'GPU-1', nodeId: node.id, index: 0, model: 'H100', memoryMiB: 81920 } });
    await t.db.account.create({ data: { name: 'lab' } });
    await expect(submitJob(ctx, ann, { ...job, gpus: 2 })).rejects.toMatchObject({ message: 'gpus: the cluster has 1 GPUs in all; 2 can never be allocated' });
    await expect(submitJob(ctx, ann, { ...job, account: 'lab' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Both facts are cached now; they change behind the portal's back.
    await t.db.gpu.create({ data: { uuid: 'GPU-2', nodeId: node.id, index: 1, model: 'H100', memoryMiB: 81920 } });
    await t.db.accountMember.create({ data: { accountName: 'lab', userId: ann.id } });
    expect(await submitJob(ctx, ann, { ...job, gpus: 2, account: 'lab' })).toMatchObject({ gpus: 2, account: 'lab', state: 'PENDING' });
  });

  it('write jobs submitted together in one go, each with its own fields and history', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const ann = await addUser(t.db, 'ann');
    const views = await Promise.all(Array.from({ length: 40 }, (_, i) => submitJob(ctx, ann, { ...job, name: `j${i}`, gpus: i % 3 })));
    expect(views.map((v) => v.name)).toEqual(Array.from({ length: 40 }, (_, i) => `j${i}`));
    const rows = await t.db.job.findMany({ include: { events: true }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [String(r.id), r.name, r.gpus])).toEqual(views.map((v) => [v.id, v.name, v.gpus]));
    expect(rows.every((r) => r.events.length === 1 && r.events[0]?.type === 'PENDING' && r.events[0]?.detail === 'submitted')).toBe(true);
    expect(views[0]).toMatchObject({ user: 'ann', state: 'PENDING', gpuUuids: [], position: null, account: 'default', qos: 'batch' });
    expect(ctx.pokes()).toBe(40);
  });
});

describe('JobWriter', () => {
  it('writes the jobs submitted together in one transaction; a bad one fails alone', async () => {
    const ann = await addUser(t.db, 'ann');
    let transactions = 0;
    const counted = new Proxy(t.db, {
      get: (db, key) => {
        if (key !== '$transaction') return Reflect.get(db, key);
        return (...args: Parameters<typeof db.$transaction>) => {
          transactions++;
          return db.$transaction(...args);
        };
      },
    });
    const writer = new JobWriter(counted);
    const row = (name: string, userId = ann.id) => ({ userId, name, command: 'true', gpus: 1, timeLimitMinutes: 1 });
    const together = await Promise.all(Array.from({ length: 20 }, (_, i) => writer.insert(row(`j${i}`), `event ${i}`)));
    expect(together.map((j) => j.name)).toEqual(Array.from({ length: 20 }, (_, i) => `j${i}`));
    expect(transactions).toBe(1);
    const results = await Promise.allSettled([writer.insert(row('good'), 'submitted'), writer.insert(row('orphan', 999_999), 'submitted'), writer.insert(row('fine'), 'submitted')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // The three together, which fails for the orphan; then each alone.
    expect(transactions).toBe(1 + 1 + 3);
    const events = await t.db.jobEvent.findMany({ include: { job: { select: { name: true } } }, orderBy: { id: 'asc' } });
    expect(events.map((e) => `${e.job.name}:${e.detail}`)).toEqual([...Array.from({ length: 20 }, (_, i) => `j${i}:event ${i}`), 'good:submitted', 'fine:submitted']);
  });
});
