import { rawReader } from '@sluice/db';
import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { readSnapshot } from '../src/snapshot';
import { setup } from './harness';

const t = testDbForFile();

describe('the cycle snapshot (read without the ORM)', () => {
  it('reads nodes, GPUs and holders, the queue, running jobs, accounts, usage and budgets as the core wants them', async () => {
    const { user, submit, clock } = await setup(t.db, { b: 2, a: 1 });
    await t.db.node.update({ where: { name: 'a' }, data: { containerRuntime: 'podman 4.3.1', pool: 'big' } });
    await t.db.account.create({ data: { name: 'lab', parent: 'default', shares: 3, budgetGpuHours: 100, quotas: { create: [{ pool: '', guaranteedGpus: 1 }, { pool: 'big', maxGpus: 2 }] } } });
    await t.db.accountMember.create({ data: { accountName: 'lab', userId: user.id, shares: 2 } });
    await t.db.usage.create({ data: { account: 'lab', user: user.username, gpuSeconds: 36.5 } });
    await t.db.budgetUsage.createMany({ data: [{ account: 'lab', period: new Date(clock.now()).toISOString().slice(0, 7), gpuHours: 4.5 }, { account: 'lab', period: '1999-01', gpuHours: 9 }] });
    const waiting = await submit(2, { account: 'lab', qos: 'interactive', basePriority: 7, image: 'img' });
    await t.db.job.update({ where: { id: waiting.id }, data: { dependsOn: '1,2', gpuModel: 'H100-80GB', pool: 'big', reason: 'Dependency', cpus: 4, memoryMiB: 1024 } });
    const running = await submit(1);
    const startedAt = new Date(clock.now() + 5000);
    await t.db.job.update({ where: { id: running.id }, data: { state: 'RUNNING', nodeName: 'b', startedAt, stopRequested: 'Cancelled', checkpointable: true, preemptCount: 2 } });
    await t.db.allocation.create({ data: { jobId: running.id, nodeName: 'b', gpuUuid: 'GPU-b-1' } });
    await t.db.allocation.create({ data: { jobId: running.id, nodeName: 'b', gpuUuid: 'GPU-b-0', releasedAt: new Date() } });

    const { snapshot, extras, qos } = readSnapshot(rawReader(t.db), clock.now());
    expect(snapshot.nodes).toEqual([
      { name: 'a', schedulable: true, pool: 'big', cpus: 8, memoryMiB: 65536, labels: { 'sluice.container-runtime': 'podman' }, gpus: [{ uuid: 'GPU-a-0', index: 0, model: 'H100-80GB', jobId: null }] },
      {
        name: 'b',
        schedulable: true,
        pool: 'default',
        cpus: 8,
        memoryMiB: 65536,
        gpus: [
          { uuid: 'GPU-b-0', index: 0, model: 'H100-80GB', jobId: null },
          { uuid: 'GPU-b-1', index: 1, model: 'H100-80GB', jobId: String(running.id) },
        ],
      },
    ]);
    expect(snapshot.pending).toEqual([
      {
        id: String(waiting.id),
        user: user.username,
        account: 'lab',
        qos: 'interactive',
        gpus: 2,
        submittedAt: clock.now(),
        timeLimitSec: 600,
        basePriority: 7,
        preemptCount: 0,
        checkpointable: false,
        cpus: 4,
        memoryMiB: 1024,
        gpuModel: 'H100-80GB',
        pool: 'big',
        nodeSelector: { 'sluice.container-runtime': 'podman' },
        dependsOn: ['1', '2'],
      },
    ]);
    expect(snapshot.running).toEqual([
      expect.objectContaining({ id: String(running.id), node: 'b', gpuUuids: ['GPU-b-1'], startedAt: startedAt.getTime(), stopping: true, checkpointable: true, preemptCount: 2 }),
    ]);
    expect(snapshot.accounts?.find((a) => a.name === 'lab')).toEqual({
      name: 'lab',
      parent: 'default',
      shares: 3,
      users: { [user.username]: 2 },
      quotas: [{ guaranteedGpus: 1 }, { pool: 'big', maxGpus: 2 }],
      budgetGpuHours: 100,
    });
    expect(snapshot.usage).toEqual({ lab: { [user.username]: 36.5 } });
    expect(snapshot.budgetUsedGpuHours).toEqual({ lab: 4.5 });
    expect(extras.currentReasons).toEqual(new Map([[String(waiting.id), 'Dependency']]));
    expect(qos.map((q) => q.name).sort()).toEqual(['batch', 'interactive', 'scavenger']);
  });
});
