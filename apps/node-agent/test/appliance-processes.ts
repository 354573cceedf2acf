import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');

export interface Daemons {
  schedulerPort: number;
  internalSecret: string;
  stop(): Promise<void>;
  agent: ChildProcess;
}

const waitReady = (child: ChildProcess, what: string) =>
  new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} not ready`)), 60_000);
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'ready') {
        clearTimeout(t);
        resolve(m.port ?? 0);
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });

const stopChild = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 20_000).unref();
  });

/** Starts the real scheduler and one real node agent (simulated GPUs) on a data dir. */
export async function startDaemons(opts: { dataDir: string; databaseUrl: string; gpus: string; nodeName: string; env?: Record<string, string> }): Promise<Daemons> {
  const agentSecret = randomBytes(32).toString('hex');
  const internalSecret = randomBytes(32).toString('hex');
  // Like the appliance run as root: job users must reach their job directories under the data dir.
  if (process.getuid?.() === 0) chmodSync(opts.dataDir, 0o711);
  const env = {
    ...process.env,
    SLUICE_DATA_DIR: opts.dataDir,
    SLUICE_DATABASE_URL: opts.databaseUrl,
    SLUICE_AGENT_SECRET: agentSecret,
    SLUICE_INTERNAL_SECRET: internalSecret,
    SLUICE_CYCLE_SEC: '0.5',
    SLUICE_LOG_LEVEL: 'warn',
    ...opts.env,
  };
  const scheduler = fork(path.join(root, 'apps/scheduler/src/main.ts'), [], { execArgv: ['--import', 'tsx'], env, stdio: 'inherit' });
  const schedulerPort = await waitReady(scheduler, 'scheduler');
  const agent = fork(path.join(root, 'apps/node-agent/src/main.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...env,
      SLUICE_INTERNAL_SECRET: '',
      SLUICE_SCHEDULER_URL: `ws://127.0.0.1:${schedulerPort}/agent`,
      SLUICE_NODE_NAME: opts.nodeName,
      SLUICE_SIM_GPUS: opts.gpus,
      SLUICE_PYTHON_ENV: path.join(root, '.runtime/python'),
    },
    stdio: 'inherit',
  });
  return {
    schedulerPort,
    internalSecret,
    agent,
    async stop() {
      await stopChild(agent);
      await stopChild(scheduler);
    },
  };
}

/** Polls until `check` returns a value (real processes: there is no clock to advance). */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether the process exists and has not died (a zombie waiting for its parent counts as dead). */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: pid (comm) state ...; comm may contain spaces, the state follows the last ')'.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').at(-1)?.trim()[0] !== 'Z';
  } catch {
    return false;
  }
};
