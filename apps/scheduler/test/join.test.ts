import { mkdtempSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PROTOCOL_VERSION } from '@sluice/contracts';
import { createTestDb, resetDb } from '@sluice/db/testing';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { agentAuth } from '../../node-agent/src/credentials';
import type { AuthUser } from '../../web/src/server/auth/sessions';
import { createServiceContext, type ServiceContext } from '../../web/src/server/services/context';
import { createJoinToken } from '../../web/src/server/services/join-tokens';
import { AgentGateway } from '../src/gateway';
import { internalHandler } from '../src/internal-api';
import { WorkerRanks } from '../src/ranks';
import { inventory } from './harness';

let t: Awaited<ReturnType<typeof createTestDb>>;
let server: Server;
let gateway: AgentGateway;
let base: string;
const secret = 'x'.repeat(40);
const admin: AuthUser = { id: 1, username: 'admin', role: 'admin' };

beforeAll(async () => {
  t = await createTestDb();
});
beforeEach(async () => {
  await resetDb(t.db);
  server = createServer();
  const log = pino({ level: 'silent' });
  const clock = { now: () => Date.now(), setTimer: () => () => undefined };
  const ranks = new WorkerRanks({ db: t.db, log, clock, send: () => false, jobLog: async () => undefined, stopGraceSec: 5 });
  gateway = new AgentGateway({ db: t.db, log, clock, dataDir: t.dataDir, agentSecret: secret, heartbeatSec: 5, poke: () => undefined, relaunch: async () => undefined, ranks });
  server.on('request', internalHandler({ secret: 'y'.repeat(40), poke: () => undefined, db: t.db, now: () => new Date() }));
  gateway.attach(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  gateway.close();
  await new Promise((r) => server.close(r));
});
afterAll(async () => {
  await t.cleanup();
});

const ctx = (): ServiceContext => createServiceContext({ db: t.db, scheduler: { poke: () => undefined, isUp: async () => true }, dataDir: t.dataDir, now: () => new Date() });
const join = (token: string, node: string) =>
  fetch(`http://${base}/join`, { method: 'POST', body: JSON.stringify({ token, node }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { credential?: string; error?: string } }));

/** Connects as an agent and says hello; resolves with the first reply or the close code. */
function hello(headers: Record<string, string>, name: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${base}/agent`, { headers });
    ws.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`));
    ws.on('open', () => ws.send(JSON.stringify({ v: PROTOCOL_VERSION, seq: 0, type: 'hello', inventory: inventory(name, 1), running: [] })));
    ws.on('message', (raw) => {
      resolve(JSON.parse(String(raw)).type);
      ws.close();
    });
    ws.on('close', (code) => resolve(`closed ${code}`));
  });
}

describe('joining a node with an admin-issued token', () => {
  it('exchanges a token once for a credential that authenticates only that node', async () => {
    const { token } = await createJoinToken(ctx(), admin, { node: 'gpu01' });
    expect(await join(token, 'gpu02')).toMatchObject({ status: 403 });
    const first = await join(token, 'gpu01');
    expect(first.status).toBe(201);
    expect(await join(token, 'gpu01')).toMatchObject({ status: 403, body: { error: expect.stringContaining('used') } });
    const credential = first.body.credential as string;
    expect(await hello({ authorization: `Bearer ${credential}`, 'x-sluice-node': 'gpu01' }, 'gpu01')).toBe('welcome');
    // The credential is bound to its node: claiming another name closes the connection (policy violation).
    expect(await hello({ authorization: `Bearer ${credential}`, 'x-sluice-node': 'gpu01' }, 'gpu03')).toBe('closed 1008');
    expect(await hello({ authorization: `Bearer ${credential}`, 'x-sluice-node': 'gpu03' }, 'gpu03')).toBe('http 401');
    expect(await hello({ authorization: 'Bearer sluice-node-forged', 'x-sluice-node': 'gpu01' }, 'gpu01')).toBe('http 401');
    expect(await t.db.joinToken.findFirstOrThrow()).toMatchObject({ usedBy: 'gpu01', createdBy: 'admin' });
  });

  it('refuses expired tokens, unknown tokens and bad requests; only admins issue tokens', async () => {
    const expired = await createJoinToken({ ...ctx(), now: () => new Date(Date.now() - 2 * 3600_000) }, admin, { expiresInMinutes: 60 });
    expect(await join(expired.token, 'gpu01')).toMatchObject({ status: 403 });
    expect(await join('sluice-join-nope', 'gpu01')).toMatchObject({ status: 403 });
    const res = await fetch(`http://${base}/join`, { method: 'POST', body: 'not json' });
    expect(res.status).toBe(400);
    await expect(createJoinToken(ctx(), { id: 2, username: 'bob', role: 'user' }, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('does not let an open token take over a node that already joined', async () => {
    const a = await createJoinToken(ctx(), admin, {});
    expect((await join(a.token, 'gpu01')).status).toBe(201);
    const b = await createJoinToken(ctx(), admin, {});
    expect(await join(b.token, 'gpu01')).toMatchObject({ status: 403, body: { error: expect.stringContaining('already joined') } });
  });

  it('an agent exchanges its token once and keeps the credential private on its disk', async () => {
    const { token } = await createJoinToken(ctx(), admin, { node: 'gpu07' });
    const stateDir = mkdtempSync(path.join(t.dataDir, 'agent-'));
    const opts = { stateDir, nodeName: 'gpu07', schedulerUrl: `ws://${base}/agent`, joinToken: token, secret: undefined };
    const headers = await agentAuth(opts);
    expect(statSync(path.join(stateDir, 'node-credential')).mode & 0o777).toBe(0o600);
    // A restart reads the saved credential: the used token is not needed again.
    expect(await agentAuth(opts)).toEqual(headers);
    expect(await hello(headers, 'gpu07')).toBe('welcome');
    await expect(agentAuth({ ...opts, stateDir: mkdtempSync(path.join(t.dataDir, 'agent-')) })).rejects.toThrow(/joining as gpu07 failed: join token unknown, used/);
  });

  it('still accepts the appliance secret for its own agents, and nothing else without a credential', async () => {
    expect(await hello({ authorization: `Bearer ${secret}` }, 'local')).toBe('welcome');
    expect(await hello({ authorization: 'Bearer wrong' }, 'local')).toBe('http 401');
  });
});
