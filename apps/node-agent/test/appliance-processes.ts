import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '@sluice/db';
import { makeTraversable } from '../../../scripts/appliance/unix-account';
import { removeCgroupParent, testCgroupParent } from './cgroup-parent';

const root = path.resolve(import.meta.dirname, '../../..');

export interface Daemons {
  schedulerPort: number;
  internalSecret: string;
  agent: ChildProcess;
  /** The agents of `moreNodes`: further nodes on this same machine. */
  more: ChildProcess[];
  scheduler: ChildProcess;
  /** The agent's state dir (its per-job records are under run/). */
  stateDir: string;
  /** The parent of its job cgroups (cgroup-parent.ts). */
  cgroupParent: string;
  /** SIGKILL, so nothing of the process's own clean-up runs (a crash, an OOM kill). */
  killAgent(): Promise<void>;
  /** A new agent on the same state dir and node name. */
  startAgent(): void;
  killScheduler(): Promise<void>;
  /** A new scheduler on the same database and port. */
  startScheduler(): Promise<void>;
  /** Asks the scheduler for a cycle now (as the portal does after a change). */
  poke(): Promise<void>;
  stop(): Promise<void>;
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

const killChild = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });

/**
 * Starts the real scheduler and one real node agent (simulated GPUs) on a data dir; either can be
 * killed and started again. `moreNodes` start an agent each for further nodes on this machine.
 */
export async function startDaemons(opts: { dataDir: string; databaseUrl: string; gpus: string; nodeName: string; moreNodes?: string[]; env?: Record<string, string> }): Promise<Daemons> {
  const agentSecret = randomBytes(32).toString('hex');
  const internalSecret = randomBytes(32).toString('hex');
  // Like the appliance run as root: job users must reach their job directories under the data
  // dir, and the Python environment with its base interpreter.
  if (process.getuid?.() === 0) chmodSync(opts.dataDir, 0o711);
  const python = path.join(root, '.runtime/python/bin/python');
  makeTraversable([path.dirname(python), path.dirname(realpathSync(python))], () => undefined);
  const env = {
    ...process.env,
    SLUICE_DATA_DIR: opts.dataDir,
    SLUICE_DATABASE_URL: opts.databaseUrl,
    SLUICE_AGENT_SECRET: agentSecret,
    SLUICE_INTERNAL_SECRET: internalSecret,
    SLUICE_CYCLE_SEC: '0.5',
    SLUICE_LOG_LEVEL: 'warn',
    SLUICE_CGROUP_PARENT: testCgroupParent(),
    ...opts.env,
  };
  const forkScheduler = (port: number) =>
    fork(path.join(root, 'apps/scheduler/src/main.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...env, SLUICE_SCHEDULER_PORT: String(port) }, stdio: 'inherit' });
  const scheduler = forkScheduler(0);
  const schedulerPort = await waitReady(scheduler, 'scheduler');
  const forkAgent = (nodeName = opts.nodeName) =>
    fork(path.join(root, 'apps/node-agent/src/main.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...env,
        SLUICE_INTERNAL_SECRET: '',
        SLUICE_SCHEDULER_URL: `ws://127.0.0.1:${schedulerPort}/agent`,
        SLUICE_NODE_NAME: nodeName,
        SLUICE_SIM_GPUS: opts.gpus,
        SLUICE_PYTHON_ENV: path.join(root, '.runtime/python'),
        SLUICE_STOP_WORKLOADS_ON_EXIT: 'true',
        ...opts.env,
      },
      stdio: 'inherit',
    });
  const d: Daemons = {
    schedulerPort,
    internalSecret,
    agent: forkAgent(),
    more: (opts.moreNodes ?? []).map((name) => forkAgent(name)),
    scheduler,
    stateDir: path.join(opts.dataDir, 'nodes', opts.nodeName),
    cgroupParent: env.SLUICE_CGROUP_PARENT,
    killAgent: () => killChild(d.agent),
    startAgent() {
      d.agent = forkAgent();
    },
    killScheduler: () => killChild(d.scheduler),
    async startScheduler() {
      d.scheduler = forkScheduler(schedulerPort);
      await waitReady(d.scheduler, 'scheduler');
    },
    async poke() {
      await fetch(`http://127.0.0.1:${schedulerPort}/internal/poke`, { method: 'POST', headers: { authorization: `Bearer ${internalSecret}` } });
    },
    async stop() {
      await Promise.all([d.agent, ...d.more].map(stopChild));
      await stopChild(d.scheduler);
      await removeCgroupParent(d.cgroupParent);
    },
  };
  return d;
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

/** The pid a job's workload started with (from its RUNNING event), or null before it started. */
export async function pidOf(db: Db, jobId: number): Promise<number | null> {
  const ev = await db.jobEvent.findFirst({ where: { jobId, type: 'RUNNING' } });
  return ev ? Number(/pid (\d+)/.exec(ev.detail)?.[1]) : null;
}
