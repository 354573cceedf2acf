import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDb } from '@sluice/db/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../web/src/server/auth/api-tokens';
import { SessionProxy } from '../../web/src/server/proxy/session-proxy';
import { RunDir } from '../src/job-state';
import { alive, type Daemons, eventually, pidOf, startDaemons } from './appliance-processes';
import { COUNT_RUN, eventTypes, inState, letGo, logLines, runsOf, WAIT_GO } from './restart-helpers';
import { jobAccount, TestUsers } from './unix-users';

// The real scheduler and a real agent; the agent is SIGKILLed (a crash, an OOM kill; `systemctl
// restart` is gentler) and a new one started on the same state dir.
let t: Awaited<ReturnType<typeof createTestDb>>;
let d: Daemons;
let userId: number;
const users = new TestUsers();
const NODE = 'restart-node';

const job = (id: number) => t.db.job.findUniqueOrThrow({ where: { id } });
const submit = (command: string) => t.db.job.create({ data: { userId, name: 'restart', command, gpus: 1, timeLimitMinutes: 10 } });
const nodeUp = () => eventually(async () => (await t.db.node.findUnique({ where: { name: NODE } }))?.state === 'UP', 'node to be up');

beforeAll(async () => {
  t = await createTestDb();
  userId = (await t.db.user.create({ data: { username: 'restarter', passwordHash: 'x', unixUser: jobAccount(users, 'rst').name } })).id;
  d = await startDaemons({ dataDir: t.dataDir, databaseUrl: t.databaseUrl, gpus: '4xTEST-16GB', nodeName: NODE, env: { SLUICE_HEARTBEAT_SEC: '1' } });
  await nodeUp();
});

afterAll(async () => {
  await d?.stop();
  await t?.cleanup();
  users.cleanup();
});

describe('a node agent that crashes and is started again', () => {
  it('leaves its jobs running, adopts them, and records their real exit codes; nothing runs twice, no output is lost', async () => {
    const later = await submit(`${COUNT_RUN}; echo a-before; ${WAIT_GO}; echo a-after; exit 3`);
    const meanwhile = await submit(`${COUNT_RUN}; echo b-before; ${WAIT_GO}; echo b-while-down; exit 7`);
    await d.poke();
    await inState(t.db, later.id, 'RUNNING');
    await inState(t.db, meanwhile.id, 'RUNNING');
    const pids = await Promise.all([later.id, meanwhile.id].map((id) => eventually(() => pidOf(t.db, id), 'pid')));
    await eventually(async () => logLines(t.dataDir, meanwhile.id)['b-before'] === 1, 'output before the crash');

    await d.killAgent();
    for (const pid of pids) expect(alive(pid)).toBe(true);
    // One ends while no agent runs.
    letGo(d.stateDir, meanwhile.id);
    await eventually(async () => !alive(pids[1] as number), 'a job to end while the agent is down');

    const restartedAt = Date.now();
    d.startAgent();
    await nodeUp();
    expect(await inState(t.db, meanwhile.id, 'FAILED')).toMatchObject({ exitCode: 7, reason: 'NonZeroExit' });
    console.log(`agent restart: back, with the end that happened meanwhile recorded, ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the new agent was started`);
    // The other is still running (not lost with the agent), and ends under the new agent.
    expect((await job(later.id)).state).toBe('RUNNING');
    letGo(d.stateDir, later.id);
    expect(await inState(t.db, later.id, 'FAILED')).toMatchObject({ exitCode: 3, reason: 'NonZeroExit' });

    await eventually(async () => logLines(t.dataDir, later.id)['a-after'] === 1, 'output after the restart');
    expect(logLines(t.dataDir, later.id)).toEqual({ 'a-before': 1, 'a-after': 1 });
    expect(logLines(t.dataDir, meanwhile.id)).toEqual({ 'b-before': 1, 'b-while-down': 1 });
    for (const [i, id] of [later.id, meanwhile.id].entries()) {
      expect(runsOf(d.stateDir, id)).toEqual([String(pids[i])]);
      expect(await eventTypes(t.db, id)).toEqual(['STARTING', 'RUNNING', 'FAILED']);
    }
    expect(await t.db.allocation.count({ where: { releasedAt: null } })).toBe(0);
    // Recorded by the scheduler, the agent forgets them.
    await eventually(async () => RunDir.list(d.stateDir).length === 0, 'the agent to forget recorded jobs');
  });

  it('keeps a Jupyter session serving through the restart: its proxy answers, it is announced again, idle tracking resumes', async () => {
    const session = await t.db.job.create({ data: { userId, name: 'jupyter', kind: 'session', template: 'jupyter', command: 'jupyter-lab', gpus: 1, timeLimitMinutes: 60 } });
    await d.poke();
    const ready = await eventually(async () => {
      const j = await job(session.id);
      return j.sessionPort ? j : null;
    }, 'Jupyter to listen', 120_000);
    const proxy = new SessionProxy(t.db, pino({ level: 'silent' }));
    const server: Server = createServer((req, res) => void proxy.web(req, res, session.id));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { token } = await issueApiToken(t.db, userId, new Date());
    const status = () =>
      fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/s/${session.id}/api/status`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    try {
      expect(await status()).toBe(200);
      await d.killAgent();
      // The notebook server does not need the agent.
      expect(await status()).toBe(200);
      // As if its `session-ready` and its activity had been lost with the agent.
      await t.db.job.update({ where: { id: session.id }, data: { sessionPort: null, lastActivityAt: null } });

      d.startAgent();
      await nodeUp();
      await eventually(async () => (await job(session.id)).sessionPort === ready.sessionPort, 'the session to be announced again');
      expect(await status()).toBe(200);
      await eventually(async () => (await job(session.id)).lastActivityAt, 'idle tracking to resume', 30_000);
      expect(await pidOf(t.db, session.id)).toSatisfy((pid: number) => alive(pid));

      await t.db.job.update({ where: { id: session.id }, data: { stopRequested: 'Cancelled' } });
      await d.poke();
      await inState(t.db, session.id, 'CANCELLED', 30_000);
      await expect(fetch(`http://${ready.sessionHost}:${ready.sessionPort}/s/${session.id}/api/status`)).rejects.toThrow();
    } finally {
      server.close();
    }
  });
});
