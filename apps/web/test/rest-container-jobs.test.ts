import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDb } from '@sluice/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/server/auth/api-tokens';
import { restHandler } from '../src/server/rest/handler';
import { routes } from '../src/server/rest/routes';
import { addUser, serviceContext } from './harness';

// Container jobs through REST v1 on a real HTTP server and database.
let t: Awaited<ReturnType<typeof createTestDb>>;
let server: Server;
let base: string;
let auth: Record<string, string>;

beforeAll(async () => {
  t = await createTestDb();
  const handle = restHandler(serviceContext(t.db, t.dataDir, new Date()), routes, pino({ level: 'silent' }));
  server = createServer((req, res) => {
    void handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const alice = await addUser(t.db, 'alice');
  auth = { authorization: `Bearer ${(await issueApiToken(t.db, alice.id, new Date())).token}`, 'content-type': 'application/json' };
  const node = await t.db.node.create({ data: { name: 'n1', state: 'UP' } });
  await t.db.gpu.create({ data: { uuid: 'GPU-1', nodeId: node.id, index: 0, model: 'H100', memoryMiB: 81920 } });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t.cleanup();
});

const submit = async (body: unknown) => {
  const r = await fetch(`${base}/api/v1/jobs`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> & { error?: { message: string } } };
};

describe('POST /api/v1/jobs with an image', () => {
  it('refuses an image while no node can run containers, saying why', async () => {
    const r = await submit({ command: 'python train.py', image: 'localhost/pytorch:24.01' });
    expect(r.status).toBe(400);
    expect(r.json.error?.message).toMatch(/^image: no node of the cluster can run containers/);
    expect(await t.db.job.count()).toBe(0);
  });

  it('stores the normalised reference once a node has podman, and shows it on the job', async () => {
    await t.db.node.update({ where: { name: 'n1' }, data: { containerRuntime: 'podman 4.3.1' } });
    const r = await submit({ command: 'python train.py', image: 'registry.lab.example:5000#ml/pytorch:24.01' });
    expect(r).toMatchObject({ status: 201, json: { image: 'registry.lab.example:5000/ml/pytorch:24.01', state: 'PENDING' } });
    expect((await t.db.job.findUniqueOrThrow({ where: { id: Number(r.json.id) } })).image).toBe('registry.lab.example:5000/ml/pytorch:24.01');
    expect((await submit({ command: 'true' })).json.image).toBeNull();
  });

  it('refuses references with shell metacharacters, options or bad names, and stores nothing', async () => {
    const before = await t.db.job.count();
    for (const image of ['ubuntu;rm -rf /', '$(id)', '--privileged', 'Ubuntu', 'ubuntu:', 'a b', '']) {
      const r = await submit({ command: 'true', image });
      expect(r.status, image).toBe(400);
      expect(r.json.error?.message, image).toMatch(/^image: /);
    }
    expect(await t.db.job.count()).toBe(before);
  });
});
