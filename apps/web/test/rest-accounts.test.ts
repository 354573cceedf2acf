import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDb } from '@sluice/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/server/auth/api-tokens';
import { restHandler } from '../src/server/rest/handler';
import { routes } from '../src/server/rest/routes';
import { addUser, serviceContext } from './harness';

// REST v1 over a real HTTP server and database: the paths, methods, bodies and statuses clients use.
let t: Awaited<ReturnType<typeof createTestDb>>;
let server: Server;
let base: string;
let adminAuth: Record<string, string>;
let aliceAuth: Record<string, string>;

beforeAll(async () => {
  t = await createTestDb();
  const ctx = serviceContext(t.db, t.dataDir, new Date());
  const handle = restHandler(ctx, routes, pino({ level: 'silent' }));
  server = createServer((req, res) => {
    void handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const admin = await addUser(t.db, 'root', 'admin');
  const alice = await addUser(t.db, 'alice');
  adminAuth = { authorization: `Bearer ${(await issueApiToken(t.db, admin.id, new Date())).token}` };
  aliceAuth = { authorization: `Bearer ${(await issueApiToken(t.db, alice.id, new Date())).token}` };
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t.cleanup();
});

async function call(method: string, path: string, auth: Record<string, string>, body?: unknown) {
  const r = await fetch(base + path, { method, headers: { ...auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> & { error?: { message: string } } };
}

describe('REST v1 accounts, members, quotas, QOS, users', () => {
  it('an admin builds a tree, adds a member, sets a quota; the caller sees it back', async () => {
    expect((await call('POST', '/api/v1/accounts', adminAuth, { name: 'physics', shares: 2, description: 'dept' })).status).toBe(201);
    expect((await call('POST', '/api/v1/accounts', adminAuth, { name: 'lab-a', parent: 'physics' })).status).toBe(201);
    const member = await call('PUT', '/api/v1/accounts/lab-a/members/alice', adminAuth, { shares: 3 });
    expect(member).toMatchObject({ status: 200, json: { members: [{ user: 'alice', shares: 3 }] } });
    const quota = await call('PUT', '/api/v1/accounts/lab-a/quotas/_all', adminAuth, { guaranteedGpus: 2, maxGpus: 4 });
    expect(quota.json.quotas).toEqual([{ pool: '', guaranteedGpus: 2, maxGpus: 4 }]);
    expect((await call('PUT', '/api/v1/accounts/lab-a', adminAuth, { shares: 7 })).json).toMatchObject({ name: 'lab-a', parent: 'physics', shares: 7 });
    const list = await call('GET', '/api/v1/accounts', adminAuth);
    expect((list.json.accounts as { name: string }[]).map((a) => a.name)).toEqual(['default', 'physics', 'lab-a']);
    expect((await call('GET', '/api/v1/accounts/lab-a', adminAuth)).json).toMatchObject({ members: [{ user: 'alice' }] });
    const patched = await call('PATCH', '/api/v1/users/alice', adminAuth, { defaultAccount: 'lab-a', unixUser: 'alice' });
    expect(patched).toMatchObject({ status: 200, json: { username: 'alice', defaultAccount: 'lab-a', unixUser: 'alice', accounts: ['lab-a'] } });
  });

  it('clear errors: missing parent 400, cycle 400, refused delete 409, unknown 404, non-admin 403', async () => {
    expect(await call('POST', '/api/v1/accounts', adminAuth, { name: 'orphan', parent: 'ghost' })).toMatchObject({ status: 400, json: { error: { message: 'parent: account ghost does not exist' } } });
    expect((await call('PUT', '/api/v1/accounts/physics', adminAuth, { parent: 'lab-a' })).status).toBe(400);
    expect(await call('DELETE', '/api/v1/accounts/physics', adminAuth)).toMatchObject({ status: 409, json: { error: { message: expect.stringMatching(/sub-accounts \(lab-a\)/) } } });
    expect((await call('GET', '/api/v1/accounts/ghost', adminAuth)).status).toBe(404);
    expect((await call('PUT', '/api/v1/accounts/lab-a/members/ghost', adminAuth, { shares: 1 })).status).toBe(404);
    expect((await call('GET', '/api/v1/accounts', aliceAuth)).status).toBe(403);
    expect((await call('POST', '/api/v1/accounts', aliceAuth, { name: 'mine' })).status).toBe(403);
    expect((await call('PUT', '/api/v1/accounts/lab-a/members/alice', aliceAuth, { shares: 99 })).status).toBe(403);
    expect((await call('PATCH', '/api/v1/users/alice', aliceAuth, { role: 'admin' })).status).toBe(403);
    expect((await call('POST', '/api/v1/qos', aliceAuth, { name: 'vip', priority: 1 })).status).toBe(403);
    expect((await call('GET', '/api/v1/accounts', {})).status).toBe(401);
  });

  it('QOS over REST; queue and fair-share are open to every user', async () => {
    expect((await call('POST', '/api/v1/qos', adminAuth, { name: 'gold', priority: 1000 })).status).toBe(201);
    expect((await call('PUT', '/api/v1/qos/gold', adminAuth, { maxWallMinutes: 1440 })).json).toMatchObject({ name: 'gold', maxWallMinutes: 1440 });
    expect((await call('GET', '/api/v1/qos', aliceAuth)).json).toMatchObject({ qos: [{ name: 'gold' }, { name: 'interactive' }, { name: 'batch' }, { name: 'scavenger' }] });
    expect(await call('DELETE', '/api/v1/qos/gold', adminAuth)).toMatchObject({ status: 200, json: { deleted: 'gold' } });
    expect((await call('DELETE', '/api/v1/qos/batch', adminAuth)).status).toBe(409);
    expect(await call('GET', '/api/v1/queue', aliceAuth)).toMatchObject({ status: 200, json: { jobs: [] } });
    expect(await call('GET', '/api/v1/fairshare', aliceAuth)).toMatchObject({ status: 200, json: { algorithm: 'fair-tree', rows: [] } });
  });

  it('the OpenAPI document lists every new path with its methods', async () => {
    const doc = (await call('GET', '/api/v1/openapi.json', {})).json as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const methods = (p: string) => Object.keys(doc.paths[p] ?? {}).sort();
    expect(methods('/api/v1/accounts')).toEqual(['get', 'post']);
    expect(methods('/api/v1/accounts/{name}')).toEqual(['delete', 'get', 'put']);
    expect(methods('/api/v1/accounts/{name}/members/{username}')).toEqual(['delete', 'put']);
    expect(methods('/api/v1/accounts/{name}/quotas/{pool}')).toEqual(['put']);
    expect(methods('/api/v1/qos')).toEqual(['get', 'post']);
    expect(methods('/api/v1/qos/{name}')).toEqual(['delete', 'put']);
    expect(methods('/api/v1/users/{username}')).toEqual(['patch']);
    expect(methods('/api/v1/queue')).toEqual(['get']);
    expect(methods('/api/v1/fairshare')).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/accounts']?.post?.responses ?? {})).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
  });
});
