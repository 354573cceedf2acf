import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { type Browser, expect, test } from '@playwright/test';
import { type Appliance, jobProcesses, logIn, startAppliance } from './helpers';
import { ADMIN } from './playwright.config';

// Several nodes on one machine: an appliance of its own with three node agents (node1..3), two
// simulated GPUs each. A 4-GPU batch job spans two of them; a Ray cluster session runs a real
// Ray head and worker on two, its dashboard opens through the portal, a Ray job is submitted
// through the portal with Ray's own CLI, and stopping it leaves no process behind.

const run = promisify(execFile);
const ray = path.resolve(import.meta.dirname, '../.runtime/python/bin/ray');
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

test.describe.configure({ mode: 'serial' });

let app: Appliance;
test.beforeAll(async () => {
  test.setTimeout(240_000);
  app = await startAppliance({ SLUICE_AGENTS: '3', SLUICE_SIM_GPUS: '2xH100-80GB' });
});
test.afterAll(async () => {
  test.setTimeout(120_000);
  await app?.stop();
});

const portalPage = async (browser: Browser) => {
  const context = await browser.newContext({ baseURL: app.baseURL });
  const page = await context.newPage();
  await logIn(page);
  return { context, page };
};

test('three agents are three nodes; a batch job larger than a node spans two and is told which', async ({ browser }) => {
  const { page } = await portalPage(browser);
  await page.goto('/nodes');
  await expect(page.getByTestId('node-row')).toHaveCount(3);
  await page.goto('/jobs/new');
  await page.getByLabel(/command/i).fill('echo "list=$SLUICE_JOB_NODELIST num=$SLUICE_JOB_NUM_NODES rank=$SLUICE_NODE_RANK gpus=$SLUICE_GPUS"');
  await page.getByLabel(/GPUs/i).fill('4');
  await page.getByLabel(/time limit/i).fill('5');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page).toHaveURL(/\/jobs\/\d+$/);
  await expect(page.getByTestId('job-state')).toHaveText('COMPLETED');
  // The command ran once, on the first of its two nodes, with that node's two GPUs.
  await expect(page.getByTestId('job-log')).toContainText(/list=node[1-3],node[1-3] num=2 rank=0 gpus=2/);
});

test('a Ray cluster across two nodes: dashboard and Jobs API through the portal, nothing left once stopped', async ({ browser, request }) => {
  test.setTimeout(900_000);
  const { context, page } = await portalPage(browser);
  await page.goto('/sessions');
  await page.getByLabel('Template').selectOption({ label: 'Ray cluster' });
  await page.getByLabel('GPUs in all').fill('4');
  await expect(page.getByTestId('ray-nodes')).toHaveText('2 (head + 1 worker)');
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Start session' }).click();
  const row = page.getByTestId('session-row').first();
  await expect(row).toContainText('Ray cluster');
  await expect(row.getByTestId('session-state')).toHaveText('RUNNING', { timeout: 600_000 });
  const headReadyMs = Date.now() - t0;
  await expect(row.getByTestId('session-nodes')).toHaveText(/^node[1-3], node[1-3]$/);
  const id = (await row.getAttribute('data-session-id')) ?? '';
  // (Ray renames its workers, which may overwrite part of their environment as /proc shows it.)
  expect(new Set(jobProcesses(app.dataDir, id).flatMap((p) => p.rank ?? []))).toEqual(new Set(['0', '1']));

  // The dashboard, through the portal's proxy: its API answers under /s/<id>/ (with the portal
  // login), and its cluster page lists both Ray nodes.
  const [dash] = await Promise.all([context.waitForEvent('page'), row.getByRole('link', { name: 'Open dashboard' }).click()]);
  await expect(dash).toHaveURL(new RegExp(`/s/${id}/`));
  const aliveNodes = async (): Promise<string[]> => {
    const res = await context.request.get(`/s/${id}/api/v0/nodes?limit=100`);
    if (!res.ok()) return [];
    const body = (await res.json()) as { data?: { result?: { result?: { state?: string; node_id?: string }[] } } };
    return (body.data?.result?.result ?? []).filter((n) => n.state === 'ALIVE').map((n) => n.node_id ?? '');
  };
  await expect.poll(async () => (await aliveNodes()).length, { timeout: 600_000 }).toBe(2);
  await dash.goto(`/s/${id}/#/cluster`);
  for (const node of await aliveNodes()) await expect(dash.getByRole('link', { name: node, exact: true }).first()).toBeVisible();
  const clusterMs = Date.now() - t0;

  // A Ray job with Ray's own CLI, through the portal, authenticated with a portal API token.
  const tok = await (await request.post(`${app.baseURL}/api/v1/tokens`, { headers: { authorization: basic(ADMIN.username, ADMIN.password) } })).json();
  const script = readFileSync(path.resolve(import.meta.dirname, '../apps/node-agent/test/fixtures/ray/ranks_used.py'), 'utf8');
  const t1 = Date.now();
  const { stdout } = await run(
    ray,
    ['job', 'submit', '--address', `${app.baseURL}/s/${id}`, '--headers', JSON.stringify({ Authorization: `Bearer ${tok.token}` }), '--', 'python', '-c', script],
    { env: { ...process.env, RAY_USAGE_STATS_ENABLED: '0' }, timeout: 600_000, maxBuffer: 16 << 20 },
  );
  const rayJobMs = Date.now() - t1;
  expect(stdout).toContain("ranks used: ['0', '1']");
  expect(stdout).toMatch(/Job 'raysubmit_\w+' succeeded/);
  // Without the portal's login the portal answers, not Ray.
  expect((await request.get(`${app.baseURL}/s/${id}/api/jobs/`)).status()).toBe(401);
  await dash.goto(`/s/${id}/#/jobs`);
  await expect(dash.getByText('SUCCEEDED').first()).toBeVisible();

  // Stop: the whole cluster goes, on both nodes.
  await page.bringToFront();
  const t2 = Date.now();
  await row.getByRole('button', { name: 'Stop' }).click();
  await expect(row.getByTestId('session-state')).toHaveText('STOPPED', { timeout: 120_000 });
  await expect.poll(() => jobProcesses(app.dataDir, id).length, { timeout: 60_000 }).toBe(0);
  const stopMs = Date.now() - t2;
  console.log(`multi-node e2e: Ray session RUNNING after ${headReadyMs} ms, both nodes on the dashboard after ${clusterMs} ms, ray job submit ${rayJobMs} ms, stop ${stopMs} ms`);
});
