import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { ADMIN } from './playwright.config';

const run = promisify(execFile);
const cli = path.resolve(import.meta.dirname, '../apps/cli/bin/sluice.mjs');

test('the sluice CLI logs in, submits an #SBATCH script, follows its output, lists jobs, queue and fair share', async ({ baseURL }) => {
  const home = mkdtempSync(path.join(tmpdir(), 'sluice-cli-'));
  const env = { ...process.env, XDG_CONFIG_HOME: home, SLUICE_PASSWORD: ADMIN.password, SLUICE_URL: '', SLUICE_TOKEN: '' };
  const sluice = async (...args: string[]) => (await run(process.execPath, [cli, ...args], { env })).stdout;

  expect(await sluice('login', '--url', baseURL ?? '', '--user', ADMIN.username)).toContain('logged in');
  const script = path.join(home, 'train.sbatch');
  writeFileSync(script, '#!/bin/bash\n#SBATCH --job-name=cli-train\n#SBATCH --time=0:10:00\n#SBATCH --gres=gpu:2\necho "cli says hi on $CUDA_VISIBLE_DEVICES"\n');
  const job = JSON.parse(await sluice('--json', 'submit', '--script', script));
  expect(job).toMatchObject({ name: 'cli-train', gpus: 2, timeLimitMinutes: 10, state: 'PENDING' });
  const out = await sluice('logs', job.id, '--follow');
  expect(out).toMatch(/cli says hi on GPU-\S+,GPU-\S+/);
  const mine = await sluice('jobs');
  expect(mine.split('\n')[0]).toMatch(/^ID\s+NAME\s+USER\s+STATE/);
  expect(mine).toMatch(new RegExp(`^${job.id}\\s+cli-train\\s+admin\\s+COMPLETED`, 'm'));
  expect(await sluice('job', 'show', job.id)).toMatch(/^State:\s+COMPLETED$/m);
  expect(JSON.parse(await sluice('--json', 'queue')).jobs.every((j: { state: string }) => j.state === 'PENDING')).toBe(true);
  expect(JSON.parse(await sluice('--json', 'fairshare'))).toMatchObject({ algorithm: expect.any(String), rows: expect.any(Array) });
  expect(JSON.parse(await sluice('--json', 'nodes')).nodes[0].gpus).toHaveLength(4);
  await expect(sluice('cancel', job.id)).rejects.toMatchObject({ stderr: expect.stringMatching(/409: job \d+ has already ended/) });
});
