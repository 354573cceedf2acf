import { createTestDb, resetDb } from '@sluice/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createQos, deleteQos, listQos, updateQos } from '../src/server/services/qos';
import { addPendingJob, addUser, serviceContext } from './harness';

let t: Awaited<ReturnType<typeof createTestDb>>;
beforeAll(async () => {
  t = await createTestDb();
});
beforeEach(async () => {
  await resetDb(t.db);
});
afterAll(async () => {
  await t.cleanup();
});

describe('QOS classes', () => {
  it('admins create, change and delete them; defaults fill what is not given', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const admin = await addUser(t.db, 'root', 'admin');
    await createQos(ctx, admin, { name: 'scavenger', priority: 0, preemptible: true });
    const inter = await createQos(ctx, admin, { name: 'interactive', priority: 100, canPreempt: ['scavenger'], maxWallMinutes: 480, idleTimeoutMinutes: 60 });
    expect(inter).toEqual({
      name: 'interactive',
      priority: 100,
      preemptible: false,
      canPreempt: ['scavenger'],
      maxWallMinutes: 480,
      maxGpusPerUser: null,
      maxGpusPerAccount: null,
      cpusPerGpu: 4,
      memoryMiBPerGpu: 16384,
      idleTimeoutMinutes: 60,
      maxLifetimeMinutes: null,
      description: '',
    });
    expect(await updateQos(ctx, admin, 'scavenger', { maxGpusPerUser: 8, canPreempt: [] })).toMatchObject({ maxGpusPerUser: 8, canPreempt: [], priority: 0 });
    expect((await listQos(ctx)).map((q) => q.name)).toEqual(['interactive', 'scavenger']);
    expect(await deleteQos(ctx, admin, 'interactive')).toEqual({ deleted: 'interactive' });
  });

  it('refuses unknown preemption targets, duplicates and deleting a QOS that unfinished jobs use', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const admin = await addUser(t.db, 'root', 'admin');
    await expect(createQos(ctx, admin, { name: 'hi', priority: 5, canPreempt: ['ghost'] })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'canPreempt: no QOS named ghost' });
    await createQos(ctx, admin, { name: 'batch', priority: 10 });
    await expect(createQos(ctx, admin, { name: 'batch', priority: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(createQos(ctx, admin, { name: 'x', priority: 'high' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^priority: /) });
    const job = await addPendingJob(t.db, admin.id, { qos: 'batch', state: 'RUNNING' });
    await expect(deleteQos(ctx, admin, 'batch')).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/^QOS batch is used by 1 pending or running job/) });
    await t.db.job.update({ where: { id: job.id }, data: { state: 'COMPLETED' } });
    expect(await deleteQos(ctx, admin, 'batch')).toEqual({ deleted: 'batch' });
    await expect(deleteQos(ctx, admin, 'batch')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('non-admins may list but not change them', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const admin = await addUser(t.db, 'root', 'admin');
    const alice = await addUser(t.db, 'alice');
    await createQos(ctx, admin, { name: 'batch', priority: 10 });
    expect((await listQos(ctx)).map((q) => q.name)).toEqual(['batch']);
    const forbidden = { code: 'FORBIDDEN', message: 'only admins manage QOS classes' };
    await expect(createQos(ctx, alice, { name: 'vip', priority: 1000 })).rejects.toMatchObject(forbidden);
    await expect(updateQos(ctx, alice, 'batch', { priority: 1000 })).rejects.toMatchObject(forbidden);
    await expect(deleteQos(ctx, alice, 'batch')).rejects.toMatchObject(forbidden);
    expect((await listQos(ctx))[0]?.priority).toBe(10);
  });
});
