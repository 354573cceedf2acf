import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDb } from '@sluice/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityMonitor, jupyterLastActive } from '../src/activity';
import { type Daemons, eventually, startDaemons } from './appliance-processes';
import { jobAccount, TestUsers } from './unix-users';

let t: Awaited<ReturnType<typeof createTestDb>>;
let d: Daemons;
const users = new TestUsers();

beforeAll(async () => {
  t = await createTestDb();
  d = await startDaemons({ dataDir: t.dataDir, databaseUrl: t.databaseUrl, gpus: '1xTEST-16GB', nodeName: 'idle-node', env: { SLUICE_IDLE_WARNING_SEC: '20', SLUICE_HEARTBEAT_SEC: '1' } });
  await eventually(async () => (await t.db.node.findUnique({ where: { name: 'idle-node' } }))?.state === 'UP', 'node to join');
});

afterAll(async () => {
  await d?.stop();
  await t?.cleanup();
  users.cleanup();
});

describe('idle reclaim with a real Jupyter server', () => {
  it('reads activity without causing it, warns, stops the idle session and frees its GPU soon after the timeout', async () => {
    const user = await t.db.user.create({ data: { username: 'idler', passwordHash: 'x', unixUser: jobAccount(users, 'idler').name } });
    const job = await t.db.job.create({
      data: { userId: user.id, name: 'jupyter', kind: 'session', template: 'jupyter', command: 'jupyter-lab', gpus: 1, timeLimitMinutes: 60, qos: 'interactive', requeue: false, idleTimeoutMinutes: 1 },
    });
    await d.poke();
    const ready = await eventually(async () => {
      const j = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
      return j.sessionPort ? j : null;
    }, 'session to answer');
    const ep = { host: ready.sessionHost as string, port: ready.sessionPort as number, baseUrl: `/s/${job.id}/`, token: ready.sessionToken as string };
    const first = await jupyterLastActive(ep, Date.now());
    expect(first).not.toBeNull();
    // Probing is not activity...
    expect(await jupyterLastActive(ep, Date.now())).toBe(first);
    // ...but what a user does is: save a file through the server's API.
    const put = await fetch(`http://${ep.host}:${ep.port}${ep.baseUrl}api/contents/notes.txt`, {
      method: 'PUT',
      headers: { authorization: `token ${ep.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'file', format: 'text', content: 'hi' }),
    });
    expect(put.ok).toBe(true);
    const after = (await jupyterLastActive(ep, Date.now())) as number;
    expect(after).toBeGreaterThan(first as number);
    // The agent reports it; the scheduler records it.
    await eventually(async () => ((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).lastActivityAt?.getTime() ?? 0) >= after - 1, 'activity to reach the scheduler', 30_000);
    await eventually(async () => (await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).idleStopAt, 'idle warning', 70_000);
    const released = await eventually(async () => {
      const j = await t.db.job.findUniqueOrThrow({ where: { id: job.id }, include: { allocations: true } });
      return j.state === 'CANCELLED' && j.reason === 'Idle' && j.allocations[0]?.releasedAt;
    }, 'idle session to stop', 90_000);
    const freedAfterMs = released.getTime() - (after + 60_000);
    console.log(`idle reclaim: GPU free ${(freedAfterMs / 1000).toFixed(1)} s after the idle timeout`);
    expect(freedAfterMs).toBeGreaterThanOrEqual(0);
  }, 180_000);
});

describe('ActivityMonitor', () => {
  it('counts a busy kernel as activity now, and forgets sessions that are gone', async () => {
    // Shapes as Jupyter Server 2 answers /api/status and /api/kernels.
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== 'token t0k3n') {
        res.statusCode = 403;
        res.end('{}');
      } else if (req.url?.startsWith('/s/9/api/status')) res.end(JSON.stringify({ connections: 1, kernels: 1, last_activity: '2026-11-23T10:00:00.000000Z', started: '2026-11-23T09:00:00.000000Z' }));
      else
        res.end(JSON.stringify([{ id: 'k1', name: 'python3', last_activity: '2026-11-23T10:05:00.000000Z', execution_state: 'busy', connections: 1 }]));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const monitor = new ActivityMonitor();
      const now = Date.parse('2026-11-23T11:00:00Z');
      monitor.track('9', { host: '127.0.0.1', port, baseUrl: '/s/9/', token: 't0k3n' });
      await monitor.poll(now);
      expect(monitor.lastActive()).toEqual({ '9': '2026-11-23T11:00:00.000Z' });
      monitor.track('9', null);
      expect(monitor.lastActive()).toEqual({});
      expect(await jupyterLastActive({ host: '127.0.0.1', port, baseUrl: '/s/9/', token: 'wrong' }, now)).toBeNull();
    } finally {
      server.close();
    }
  });
});
