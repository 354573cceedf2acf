import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { ADMIN } from './playwright.config';

export async function logIn(page: Page, user = ADMIN): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

export interface Appliance {
  baseURL: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * A second, whole appliance for one spec (`scripts/appliance.ts`, as `npm start` runs it) on a
 * free port and a fresh data dir, e.g. with SLUICE_AGENTS=3: three node agents (node1..3) on
 * this machine, each with its own simulated GPUs. Resolves once its portal answers.
 */
export async function startAppliance(env: Record<string, string>): Promise<Appliance> {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address() as AddressInfo;
      srv.close(() => resolve(p));
    });
  });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-agents-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/appliance.ts'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, SLUICE_PORT: String(port), SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_USER: ADMIN.username, SLUICE_ADMIN_PASSWORD: ADMIN.password, SLUICE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseURL = `http://127.0.0.1:${port}`;
  for (const end = Date.now() + 170_000; ; ) {
    if (child.exitCode !== null) throw new Error(`the appliance exited with ${child.exitCode}`);
    if (await fetch(`${baseURL}/api/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > end) throw new Error('the appliance did not answer in time');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    baseURL,
    dataDir,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The live processes of one job of an appliance, told by what the agent puts in every job's
 * environment (its job directory under the appliance's data dir), with the node rank of each.
 */
export function jobProcesses(dataDir: string, jobId: string): { pid: number; rank: string | undefined }[] {
  const found = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      const dir = env.find((e) => e.startsWith('SLUICE_JOB_DIR='))?.slice('SLUICE_JOB_DIR='.length) ?? '';
      if (!dir.startsWith(`${dataDir}/nodes/`) || !dir.endsWith(`/jobs/job-${jobId}`)) continue;
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))) continue;
      found.push({ pid: Number(pid), rank: env.find((e) => e.startsWith('SLUICE_NODE_RANK='))?.split('=')[1] });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
