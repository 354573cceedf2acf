import { existsSync } from 'node:fs';
import os from 'node:os';
import { expect, test } from '@playwright/test';
import { logIn } from './helpers';
import { ADMIN } from './playwright.config';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

test('REST v1: node detail with this machine\'s inventory and GPU metrics; admin drain and undrain', async ({ request }) => {
  const tok = await request.post('/api/v1/tokens', { headers: { authorization: basic(ADMIN.username, ADMIN.password) } });
  const auth = { authorization: `Bearer ${(await tok.json()).token}` };
  const [node] = (await (await request.get('/api/v1/nodes', { headers: auth })).json()).nodes;
  const path = `/api/v1/nodes/${encodeURIComponent(node.name)}`;
  await expect(async () => {
    const detail = await (await request.get(path, { headers: auth })).json();
    expect(detail.hardware).toMatchObject({ kernel: { release: os.release() }, cpu: { threads: os.cpus().length } });
    expect(detail.gpus).toHaveLength(4);
    expect(detail.gpus[0].sample).toMatchObject({ memoryTotalMiB: 81920 });
    expect(detail.history.map((e: { component: string }) => e.component)).toContain('kernel');
  }).toPass({ timeout: 30_000 });
  expect((await request.get('/api/v1/nodes/no-such-node', { headers: auth })).status()).toBe(404);

  expect((await request.post(`${path}/drain`, { headers: auth, data: {} })).status()).toBe(400);
  const drained = await request.post(`${path}/drain`, { headers: auth, data: { reason: 'e2e: reseating GPU 2' } });
  expect(await drained.json()).toMatchObject({ state: 'DRAIN', drainReason: 'e2e: reseating GPU 2' });
  const undrained = await request.post(`${path}/undrain`, { headers: auth });
  expect(await undrained.json()).toMatchObject({ state: 'UP', drainReason: null });
  expect((await request.post(`${path}/undrain`, { headers: auth })).status()).toBe(409);
});

test('the node page shows the inventory, GPU health and hardware history', async ({ page }) => {
  await logIn(page);
  await page.goto('/nodes');
  await page.getByTestId('node-row').first().getByRole('link').click();
  await expect(page.getByRole('heading', { name: 'Inventory' })).toBeVisible();
  await expect(page.getByTestId('hw-kernel')).toContainText(os.release());
  await expect(page.getByTestId('hw-cpu')).toContainText(`${os.cpus().length} threads`);
  // The agent reports podman where it is installed (npm test installs it when run as root).
  await expect(page.getByTestId('hw-containers')).toContainText(existsSync('/usr/bin/podman') ? /^podman \d+\.\d+/ : /^none/);
  await expect(page.getByTestId('gpu-row')).toHaveCount(4);
  await expect(page.getByTestId('gpu-health').first()).toHaveText('healthy');
  await expect(page.getByTestId('history-row').first()).toBeVisible();
});
