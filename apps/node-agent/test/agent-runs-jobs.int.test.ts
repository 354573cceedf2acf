import { readFileSync } from 'node:fs';
import { type Db, jobLogPath } from '@sluice/db';
import { createTestDb } from '@sluice/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, type Daemons, eventually, pidOf, startDaemons } from './appliance-processes';
import { TerminalClient } from './terminal-client';
import { isRoot, jobAccount, TestUsers } from './unix-users';

let t: Awaited<ReturnType<typeof createTestDb>>;
let d: Daemons;
let userId: number;
// The portal user's jobs run as a real Unix account.
const users = new TestUsers();
let unix: { name: string; uid: number };

const jobState = (db: Db, id: number) => db.job.findUniqueOrThrow({ where: { id } });
const poke = () => d.poke();

beforeAll(async () => {
  t = await createTestDb();
  unix = jobAccount(users, 'alice');
  userId = (await t.db.user.create({ data: { username: 'alice', passwordHash: 'x', unixUser: unix.name } })).id;
  d = await startDaemons({ dataDir: t.dataDir, databaseUrl: t.databaseUrl, gpus: '2xTEST-16GB', nodeName: 'it-node' });
  await eventually(async () => (await t.db.node.findUnique({ where: { name: 'it-node' } }))?.state === 'UP', 'node to join');
});

afterAll(async () => {
  await d?.stop();
  await t?.cleanup();
  users.cleanup();
});

describe('scheduler + node agent, real processes', () => {
  it('registers the node with its simulated GPUs', async () => {
    const gpus = await t.db.gpu.findMany({ where: { node: { name: 'it-node' } }, orderBy: { index: 'asc' } });
    expect(gpus.map((g) => [g.index, g.model, g.memoryMiB])).toEqual([
      [0, 'TEST-16GB', 16384],
      [1, 'TEST-16GB', 16384],
    ]);
  });

  it('runs a job with its GPUs pinned and captures its output and exit code', async () => {
    const job = await t.db.job.create({ data: { userId, name: 'hello', command: 'echo hello-from-job; echo "gpus=$CUDA_VISIBLE_DEVICES uid=$(id -u)"; echo oops >&2; exit 3', gpus: 1, timeLimitMinutes: 5 } });
    await poke();
    const done = await eventually(async () => {
      const j = await jobState(t.db, job.id);
      return ['FAILED', 'COMPLETED'].includes(j.state) && j;
    }, 'job to end');
    expect(done).toMatchObject({ state: 'FAILED', exitCode: 3, reason: 'NonZeroExit', nodeName: 'it-node' });
    const [alloc] = await t.db.allocation.findMany({ where: { jobId: job.id } });
    const log = readFileSync(jobLogPath(t.dataDir, job.id), 'utf8');
    expect(log).toContain('hello-from-job');
    expect(log).toContain('oops');
    expect(log).toContain(`gpus=${alloc?.gpuUuid} uid=${unix.uid}`);
    expect(alloc?.releasedAt).not.toBeNull();
  });

  it('fails a job whose user has no Unix account on the node, saying so', async () => {
    const ghost = await t.db.user.create({ data: { username: 'ghost', passwordHash: 'x', unixUser: `${users.prefix}ghost` } });
    const job = await t.db.job.create({ data: { userId: ghost.id, name: 'ghost', command: 'true', gpus: 1, timeLimitMinutes: 5 } });
    await poke();
    const done = await eventually(async () => {
      const j = await jobState(t.db, job.id);
      return j.state === 'FAILED' && j;
    }, 'job to fail');
    expect(done.reason).toBe('NoUnixAccount');
    expect(readFileSync(jobLogPath(t.dataDir, job.id), 'utf8')).toContain(`no Unix account "${users.prefix}ghost"`);
  });

  it('cancels a running job by stopping its whole process tree', async () => {
    const job = await t.db.job.create({ data: { userId, name: 'sleeper', command: 'sleep 600 & sleep 600; wait', gpus: 1, timeLimitMinutes: 60 } });
    await poke();
    await eventually(async () => (await jobState(t.db, job.id)).state === 'RUNNING', 'job to run');
    const pid = await eventually(() => pidOf(t.db, job.id), 'pid');
    expect(alive(pid)).toBe(true);
    await t.db.job.update({ where: { id: job.id }, data: { stopRequested: 'Cancelled' } });
    await poke();
    await eventually(async () => (await jobState(t.db, job.id)).state === 'CANCELLED', 'job to be cancelled', 30_000);
    expect(alive(pid)).toBe(false);
  });

  it('starts a Jupyter session that answers only with its token, and stops it', async () => {
    const job = await t.db.job.create({ data: { userId, name: 'jupyter', kind: 'session', template: 'jupyter', command: 'jupyter-lab', gpus: 1, timeLimitMinutes: 60 } });
    await poke();
    const ready = await eventually(async () => {
      const j = await jobState(t.db, job.id);
      if (j.state === 'FAILED') throw new Error(readFileSync(jobLogPath(t.dataDir, job.id), 'utf8'));
      return j.sessionPort ? j : null;
    }, 'Jupyter to listen', 120_000);
    const base = `http://${ready.sessionHost}:${ready.sessionPort}/s/${job.id}`;
    const withToken = await fetch(`${base}/api/status`, { headers: { authorization: `token ${ready.sessionToken}` } });
    expect(withToken.status).toBe(200);
    expect(await withToken.json()).toHaveProperty('started');
    expect((await fetch(`${base}/api/status`)).status).toBe(403);
    // The server runs as the session's user, in the job's cgroup.
    const pid = await eventually(() => pidOf(t.db, job.id), 'pid');
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${unix.uid}\\s`, 'm'));
    if (isRoot) expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toContain(`${d.cgroupParent}/job-${job.id}.it-node`);
    await t.db.job.update({ where: { id: job.id }, data: { stopRequested: 'Cancelled' } });
    await poke();
    await eventually(async () => (await jobState(t.db, job.id)).state === 'CANCELLED', 'session to stop', 30_000);
    await expect(fetch(`${base}/api/status`)).rejects.toThrow();
  });

  it('starts a terminal session: a shell behind the session token, and the session ends when the shell exits', async () => {
    const job = await t.db.job.create({ data: { userId, name: 'terminal', kind: 'session', template: 'terminal', command: 'terminal', gpus: 1, timeLimitMinutes: 60 } });
    await poke();
    const ready = await eventually(async () => {
      const j = await jobState(t.db, job.id);
      if (j.state === 'FAILED') throw new Error(readFileSync(jobLogPath(t.dataDir, job.id), 'utf8'));
      return j.sessionPort ? j : null;
    }, 'terminal to listen');
    const ws = `ws://${ready.sessionHost}:${ready.sessionPort}/s/${job.id}/ws`;
    await expect(TerminalClient.open(ws, null)).rejects.toThrow('HTTP 401');
    const term = await TerminalClient.open(ws, ready.sessionToken);
    term.type('echo "gpus=$CUDA_VISIBLE_DEVICES job=$SLUICE_JOB_ID token=[$SLUICE_TERMINAL_TOKEN]"\r');
    const [alloc] = await t.db.allocation.findMany({ where: { jobId: job.id } });
    await eventually(async () => term.output.includes(`gpus=${alloc?.gpuUuid} job=${job.id} token=[]`), 'shell output', 15_000);
    term.type('exit\r');
    const done = await eventually(async () => {
      const j = await jobState(t.db, job.id);
      return j.state === 'COMPLETED' && j;
    }, 'session to end with its shell', 30_000);
    expect(done.exitCode).toBe(0);
    expect(term.closed?.code).toBe(1000);
  });
});
