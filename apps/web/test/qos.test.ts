import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { createQos, deleteQos, listQos, updateQos } from '../src/server/services/qos';
import { addPendingJob, addUser, serviceContext } from './harness';

const t = testDbForFile();

describe('QOS classes', () => {
  it('admins create, change and delete them; defaults fill what is not given', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const admin = await addUser(t.db, 'root', 'admin');
    await createQos(ctx, admin, { name: 'spot', priority: 0, preemptible: true });
    const gold = await createQos(ctx, admin, { name: 'gold', priority: 100, canPreempt: ['spot'], maxWallMinutes: 480, idleTimeoutMinutes: 60 });
    expect(gold).toEqual({
      name: 'gold',
      priority: 100,
      preemptible: false,
      canPreempt: ['spot'],
      maxWallMinutes: 480,
      maxGpusPerUser: null,
      maxGpusPerAccount: null,
      cpusPerGpu: 4,
      memoryMiBPerGpu: 16384,
      idleTimeoutMinutes: 60,
      maxLifetimeMinutes: null,
      description: '',
    });
    expect(await updateQos(ctx, admin, 'spot', { maxGpusPerUser: 8, canPreempt: [] })).toMatchObject({ maxGpusPerUser: 8, canPreempt: [], priority: 0 });
    // Highest priority first; the seeded classes are there too.
    expect((await listQos(ctx)).map((q) => q.name)).toEqual(['gold', 'interactive', 'batch', 'scavenger', 'spot']);
    expect(await deleteQos(ctx, admin, 'gold')).toEqual({ deleted: 'gold' });
    expect(await deleteQos(ctx, admin, 'spot')).toEqual({ deleted: 'spot' });
  });

  it('refuses unknown preemption targets, duplicates, deleting a default QOS or one that unfinished jobs use', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const admin = await addUser(t.db, 'root', 'admin');
    await expect(createQos(ctx, admin, { name: 'hi', priority: 5, canPreempt: ['ghost'] })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'canPreempt: no QOS named ghost' });
    await expect(createQos(ctx, admin, { name: 'batch', priority: 1 })).rejects.toMatchObject({ code: 'CONFLICT', message: 'name: QOS batch already exists' });
    await expect(deleteQos(ctx, admin, 'batch')).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/default for jobs/) });
    await expect(createQos(ctx, admin, { name: 'x', priority: 'high' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^priority: /) });
    await createQos(ctx, admin, { name: 'short', priority: 60, maxWallMinutes: 30 });
    const job = await addPendingJob(t.db, admin.id, { qos: 'short', state: 'RUNNING' });
    await expect(deleteQos(ctx, admin, 'short')).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/^QOS short is used by 1 pending or running job/) });
    await t.db.job.update({ where: { id: job.id }, data: { state: 'COMPLETED' } });
    expect(await deleteQos(ctx, admin, 'short')).toEqual({ deleted: 'short' });
    await expect(deleteQos(ctx, admin, 'short')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('non-admins may list but not change them', async () => {
    const ctx = serviceContext(t.db, t.dataDir);
    const alice = await addUser(t.db, 'alice');
    expect((await listQos(ctx)).map((q) => q.name)).toEqual(['interactive', 'batch', 'scavenger']);
    const forbidden = { code: 'FORBIDDEN', message: 'only admins manage QOS classes' };
    await expect(createQos(ctx, alice, { name: 'vip', priority: 1000 })).rejects.toMatchObject(forbidden);
    await expect(updateQos(ctx, alice, 'batch', { priority: 1000 })).rejects.toMatchObject(forbidden);
    await expect(deleteQos(ctx, alice, 'batch')).rejects.toMatchObject(forbidden);
    expect((await listQos(ctx)).find((q) => q.name === 'batch')?.priority).toBe(50);
  });
});
