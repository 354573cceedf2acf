import { expect, test } from '@playwright/test';
import { ADMIN } from './playwright.config';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

test('REST v1: tokens, validation, ownership, OpenAPI', async ({ request }) => {
  const health = await (await request.get('/api/health')).json();
  expect(health).toMatchObject({ status: 'ok', scheduler: 'up', nodes: 1, gpus: { total: 4 } });
  expect((await request.get('/api/v1/jobs')).status()).toBe(401);
  expect((await request.post('/api/v1/tokens', { headers: { authorization: basic(ADMIN.username, 'wrong') } })).status()).toBe(401);
  const tok = await request.post('/api/v1/tokens', { headers: { authorization: basic(ADMIN.username, ADMIN.password) } });
  expect(tok.status()).toBe(201);
  const auth = { authorization: `Bearer ${(await tok.json()).token}` };

  const bad = await request.post('/api/v1/jobs', { headers: auth, data: { command: 'true', gpus: 'many', timeLimitMinutes: 5 } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.message).toMatch(/^gpus: /);
  const extra = await request.post('/api/v1/jobs', { headers: auth, data: { command: 'true', gpus: 1, hack: true } });
  expect(extra.status()).toBe(400);
  const notJson = await request.post('/api/v1/jobs', { headers: { ...auth, 'content-type': 'application/json' }, data: '{nope' });
  expect(notJson.status()).toBe(400);
  expect((await request.get('/api/v1/jobs/does-not-exist', { headers: auth })).status()).toBe(404);
  expect((await request.get('/api/v1/jobs/999999', { headers: auth })).status()).toBe(404);

  const sub = await request.post('/api/v1/jobs', { headers: auth, data: { command: 'echo api', gpus: 1, timeLimitMinutes: 5, name: 'api-test' } });
  expect(sub.status()).toBe(201);
  const job = await sub.json();
  expect(job).toMatchObject({ state: 'PENDING', name: 'api-test', gpus: 1 });
  const list = await (await request.get('/api/v1/jobs', { headers: auth })).json();
  expect(list.jobs[0].id).toBe(job.id);

  const nodes = await (await request.get('/api/v1/nodes', { headers: auth })).json();
  expect(nodes.nodes[0].gpus).toHaveLength(4);
  expect(nodes.nodes[0].gpus[0]).toMatchObject({ model: 'H100-80GB', uuid: expect.stringMatching(/^GPU-/) });

  // Another user sees none of it: someone else's job is "not found".
  const bob = await request.post('/api/v1/users', { headers: auth, data: { username: 'bob', password: 'bob-Secret-42' } });
  expect(bob.status()).toBe(201);
  expect((await request.post('/api/v1/users', { headers: auth, data: { username: 'bob', password: 'bob-Secret-42' } })).status()).toBe(409);
  expect((await request.post('/api/v1/users', { headers: auth, data: { username: 'Bad Name', password: 'x' } })).status()).toBe(400);
  const bobTok = await (await request.post('/api/v1/tokens', { headers: { authorization: basic('bob', 'bob-Secret-42') } })).json();
  const bobAuth = { authorization: `Bearer ${bobTok.token}` };
  expect((await request.get(`/api/v1/jobs/${job.id}`, { headers: bobAuth })).status()).toBe(404);
  expect((await request.delete(`/api/v1/jobs/${job.id}`, { headers: bobAuth })).status()).toBe(404);
  expect((await request.get(`/api/v1/jobs/${job.id}/logs`, { headers: bobAuth })).status()).toBe(404);
  expect((await (await request.get('/api/v1/jobs', { headers: bobAuth })).json()).jobs).toEqual([]);
  expect((await request.get('/api/v1/users', { headers: bobAuth })).status()).toBe(403);

  const doc = await (await request.get('/api/v1/openapi.json')).json();
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/jobs', '/api/v1/jobs/{id}', '/api/v1/sessions', '/api/v1/nodes']));
});
