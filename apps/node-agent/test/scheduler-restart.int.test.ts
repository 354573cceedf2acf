import { createTestDb } from '@sluice/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, type Daemons, eventually, pidOf, startDaemons } from './appliance-processes';
import { COUNT_RUN, eventTypes, inState, letGo, runsOf, WAIT_GO } from './restart-helpers';
import { jobAccount, TestUsers } from './unix-users';

// The real scheduler SIGKILLed and started again on the same database and port, with a real agent
// that keeps running jobs meanwhile and reconnects with back-off.
let t: Awaited<ReturnType<typeof createTestDb>>;
let d: Daemons;
let userId: number;
const users = new TestUsers();
const NODE = 'sched-restart';

const job = (id: number) => t.db.job.findUniqueOrThrow({ where: { id } });
const submit = (command: string, extra: { requeue?: boolean } = {}) => t.db.job.create({ data: { userId, name: 'sr', command, gpus: 1, timeLimitMinutes: 10, ...extra } });

beforeAll(async () => {
  t = await createTestDb();
  userId = (await t.db.user.create({ data: { username: 'srestart', passwordHash: 'x', unixUser: jobAccount(users, 'srs').name } })).id;
  d = await startDaemons({ dataDir: t.dataDir, databaseUrl: t.databaseUrl, gpus: '6xTEST-16GB', nodeName: NODE, env: { SLUICE_HEARTBEAT_SEC: '1' } });
  await eventually(async () => (await t.db.node.findUnique({ where: { name: NODE } }))?.state === 'UP', 'node to join');
});

afterAll(async () => {
  await d?.stop();
  await t?.cleanup();
  users.cleanup();
});

describe('a scheduler that crashes and is started again', () => {
  it('reconciles with the agent when it reconnects: true exit codes, stale runs stopped, lost jobs ended, placed jobs launched once', async () => {
    const later = await submit(`${COUNT_RUN}; ${WAIT_GO}; exit 0`);
    const meanwhile = await submit(`${COUNT_RUN}; ${WAIT_GO}; exit 5`);
    const stale = await submit(`${COUNT_RUN}; sleep 600`);
    await d.poke();
    const [, meanwhilePid, stalePid] = await Promise.all(
      [later.id, meanwhile.id, stale.id].map(async (id) => {
        await inState(t.db, id, 'RUNNING');
        return eventually(() => pidOf(t.db, id), 'pid');
      }),
    );

    await d.killScheduler();
    // A job ends while no scheduler listens: its `exited` waits in the agent, its record on disk.
    letGo(d.stateDir, meanwhile.id);
    await eventually(async () => !alive(meanwhilePid as number), 'a job to end while the scheduler is down');
    // The database changes behind the agent's back (an admin's repair, a restored backup): one job
    // it runs has ended; one it never heard of runs "there"; one was placed there but not launched.
    const gpus = (await t.db.gpu.findMany({ where: { node: { name: NODE } }, orderBy: { index: 'asc' } })).map((g) => g.uuid);
    const now = new Date();
    await t.db.job.update({ where: { id: stale.id }, data: { state: 'CANCELLED', reason: 'Cancelled', endedAt: now } });
    await t.db.allocation.updateMany({ where: { jobId: stale.id }, data: { releasedAt: now } });
    const lost = await submit('true', { requeue: false });
    const placed = await submit(`${COUNT_RUN}; exit 0`);
    for (const [j, state, gpu] of [
      [lost, 'RUNNING', gpus[4]],
      [placed, 'STARTING', gpus[5]],
    ] as const) {
      await t.db.job.update({ where: { id: j.id }, data: { state, nodeName: NODE, startedAt: state === 'RUNNING' ? now : null } });
      await t.db.allocation.create({ data: { jobId: j.id, nodeName: NODE, gpuUuid: gpu as string } });
    }

    const restartedAt = Date.now();
    await d.startScheduler();
    expect(await inState(t.db, meanwhile.id, 'FAILED')).toMatchObject({ exitCode: 5, reason: 'NonZeroExit' });
    console.log(`scheduler restart: reconciled ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the new scheduler was started`);
    expect(await inState(t.db, lost.id, 'NODE_FAIL')).toMatchObject({ reason: 'NodeLost' });
    expect(await inState(t.db, placed.id, 'COMPLETED')).toMatchObject({ exitCode: 0 });
    await eventually(async () => !alive(stalePid as number), 'the run the scheduler has no record of to be stopped');
    expect(await job(stale.id)).toMatchObject({ state: 'CANCELLED', reason: 'Cancelled', exitCode: null });
    expect((await job(later.id)).state).toBe('RUNNING');
    letGo(d.stateDir, later.id);
    expect(await inState(t.db, later.id, 'COMPLETED')).toMatchObject({ exitCode: 0 });

    // Each ran exactly once; none was started again or recorded twice.
    for (const id of [later.id, meanwhile.id, stale.id, placed.id]) expect(runsOf(d.stateDir, id)).toHaveLength(1);
    expect(await eventTypes(t.db, later.id)).toEqual(['STARTING', 'RUNNING', 'COMPLETED']);
    expect(await eventTypes(t.db, meanwhile.id)).toEqual(['STARTING', 'RUNNING', 'FAILED']);
    expect(await t.db.allocation.count({ where: { releasedAt: null } })).toBe(0);
  });
});
