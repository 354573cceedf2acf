import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { logIn } from './helpers';
import { ADMIN } from './playwright.config';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const OTHER = { username: 'terminal-peer', password: 'peer-Secret-42' };

/** The HTTP status a WebSocket handshake is answered with (101 when it opens). */
const upgradeStatus = (url: string, cookie: string) =>
  new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { cookie } });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });

test('start a terminal session, run a command in the browser, only its owner can open it, stop it', async ({ page, context, browser, baseURL, request }) => {
  await logIn(page);
  await page.goto('/sessions');
  await page.getByLabel('Template').selectOption({ label: 'Terminal' });
  await page.getByLabel(/GPUs/i).fill('1');
  await page.getByRole('button', { name: 'Start session' }).click();
  const row = page.getByTestId('session-row').first();
  await expect(row).toContainText('Terminal');
  await expect(row.getByTestId('session-state')).toHaveText('RUNNING', { timeout: 120_000 });
  const id = await row.getAttribute('data-session-id');

  const [tab] = await Promise.all([context.waitForEvent('page'), row.getByRole('link', { name: 'Open' }).click()]);
  await expect(tab).toHaveURL(new RegExp(`/sessions/${id}/terminal$`));
  await expect(tab.getByTestId('terminal-status')).toHaveText('Connected');
  await tab.getByTestId('terminal').click();
  await tab.keyboard.type('echo sluice-$((6*7))');
  await tab.keyboard.press('Enter');
  // Only the shell's arithmetic prints 42: the typed line itself does not contain it.
  await expect(tab.getByTestId('terminal')).toContainText('sluice-42');

  // Another user gets "not found", from the proxy and from the page.
  const tok = await (await request.post('/api/v1/tokens', { headers: { authorization: basic(ADMIN.username, ADMIN.password) } })).json();
  const created = await request.post('/api/v1/users', { headers: { authorization: `Bearer ${tok.token}` }, data: OTHER });
  expect(created.status()).toBe(201);
  const peer = await browser.newContext({ baseURL });
  const peerPage = await peer.newPage();
  await logIn(peerPage, OTHER);
  expect((await peerPage.request.get(`/s/${id}/api/status`)).status()).toBe(404);
  const cookieOf = async (c: typeof peer) => (await c.cookies()).map((k) => `${k.name}=${k.value}`).join('; ');
  const wsUrl = `${baseURL?.replace(/^http/, 'ws')}/s/${id}/ws`;
  expect(await upgradeStatus(wsUrl, await cookieOf(peer))).toBe(404);
  expect(await upgradeStatus(wsUrl, await cookieOf(context))).toBe(101);
  await peerPage.goto(`/sessions/${id}/terminal`);
  await expect(peerPage.getByText(`Session ${id} not found.`)).toBeVisible();
  await peer.close();

  // The owner stops it from the terminal page; the shell goes away with it.
  await tab.getByRole('button', { name: 'Stop session' }).click();
  await expect(tab.getByTestId('session-state')).toHaveText('STOPPED', { timeout: 60_000 });
  await expect(tab.getByText('This session has ended.')).toBeVisible();
  await tab.close();
  await expect(row.getByTestId('session-state')).toHaveText('STOPPED');
});
