import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

// Whole-system tests: the real appliance (`scripts/appliance.ts`: SQLite, scheduler, one node
// agent with simulated GPUs, portal) on a fresh data dir, driven through Debian's Chromium.
// The config is loaded again in every worker: fix port and data dir once, in the environment
// the workers inherit.
process.env.SLUICE_E2E_PORT ??= String(20_000 + (process.pid % 20_000));
process.env.SLUICE_E2E_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), 'sluice-e2e-'));
const port = Number(process.env.SLUICE_E2E_PORT);
const dataDir = process.env.SLUICE_E2E_DATA_DIR;
export const ADMIN = { username: 'admin', password: 'e2e-Secret-42' };

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 60_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost',
      ],
    },
  },
  webServer: {
    command: 'node --import tsx scripts/appliance.ts',
    cwd: path.resolve(import.meta.dirname, '..'),
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    env: {
      SLUICE_PORT: String(port),
      SLUICE_DATA_DIR: dataDir,
      SLUICE_ADMIN_USER: ADMIN.username,
      SLUICE_ADMIN_PASSWORD: ADMIN.password,
      SLUICE_SIM_GPUS: '4xH100-80GB',
      SLUICE_LOG_LEVEL: 'warn',
    },
  },
});
