import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AgentMessageBody, LaunchSpec } from '@sluice/contracts';
import { pino } from 'pino';
import { CgroupManager } from '../src/cgroup/manager';
import { type ContainerConfig, ContainerRuntime } from '../src/container/runtime';
import { Executor } from '../src/executor';
import { findSetpriv } from '../src/launch-command';
import { eventually } from './appliance-processes';
import { removeCgroupParent, testCgroupParent } from './cgroup-parent';

type Exited = Extract<AgentMessageBody, { type: 'exited' }>;

export interface ExecutorOptions {
  cgroupRoot?: string;
  /** Name of the parent of job cgroups (cgroup-parent.ts). */
  cgroupParent: string;
  /** The node the executor is (default test-node). */
  nodeName?: string;
  path?: string;
  minUid?: number;
  /** Run container jobs with podman (with simulated GPUs). */
  containers?: Partial<ContainerConfig>;
}

/** A real Executor on `stateDir` with the node's real cgroups, sending its messages to `send`. */
export async function makeExecutor(stateDir: string, send: (m: AgentMessageBody) => void, opts: ExecutorOptions) {
  const log = pino({ level: 'silent' });
  const nodeName = opts.nodeName ?? 'test-node';
  const cgroups = new CgroupManager({ mountRoot: opts.cgroupRoot ?? '/sys/fs/cgroup', parentName: opts.cgroupParent, nodeName });
  await cgroups.init(log);
  const containers = opts.containers
    ? new ContainerRuntime(
        { podman: null, runtime: null, registries: [], mounts: [], cdiDirs: [], cgroupRoot: opts.cgroupRoot ?? '/sys/fs/cgroup', rootless: process.getuid?.() !== 0, ...opts.containers, stateDir },
        { simulated: true, list: async () => [] },
      )
    : undefined;
  const executor = new Executor({
    nodeName,
    send,
    log,
    stateDir,
    pythonEnv: path.resolve(import.meta.dirname, '../../../.runtime/python'),
    sessionHost: '127.0.0.1',
    path: opts.path ?? '/usr/local/bin:/usr/bin:/bin',
    accounts: { minUid: opts.minUid ?? 1000, agentUid: process.getuid?.() ?? 0 },
    cgroups,
    defaultLimits: { cpus: 1, memoryMiB: 512 },
    setpriv: findSetpriv(),
    containers,
  });
  return { executor, cgroups, nodeName };
}

/** A state dir as the agent makes it, traversable by job users (mkdtemp makes 0700 directories). */
export function makeStateDir(): string {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'sluice-exec-'));
  chmodSync(stateDir, 0o711);
  return stateDir;
}

/** Launch specs for batch jobs, each with a fresh job id unless one is given. */
export function specMaker(prefix = 't') {
  let seq = 0;
  return (s: Partial<LaunchSpec> & Pick<LaunchSpec, 'user' | 'command'>): LaunchSpec => ({
    jobId: `${prefix}${++seq}`,
    kind: 'batch',
    gpuUuids: [],
    timeLimitSec: 600,
    ...s,
  });
}

/** What an executor said about a job, from the messages it sent. */
export function watch(messages: AgentMessageBody[]) {
  return {
    /** Everything the job printed (and the agent's notes about it). */
    output: (jobId: string) =>
      messages
        .filter((m): m is Extract<AgentMessageBody, { type: 'log' }> => m.type === 'log' && m.jobId === jobId)
        .map((m) => m.data)
        .join(''),
    started: (jobId: string) =>
      eventually(async () => messages.find((m): m is Extract<AgentMessageBody, { type: 'started' }> => m.type === 'started' && m.jobId === jobId), `job ${jobId} to start`),
    exited: (jobId: string, timeoutMs = 30_000) =>
      eventually(async () => messages.find((m): m is Exited => m.type === 'exited' && m.jobId === jobId), `job ${jobId} to end`, timeoutMs),
  };
}

/** A real Executor (real processes, real accounts, the node's real cgroups) and what it sends. */
export async function startExecutor(opts: Partial<ExecutorOptions> = {}) {
  const stateDir = makeStateDir();
  const messages: AgentMessageBody[] = [];
  const cgroupParent = opts.cgroupParent ?? testCgroupParent();
  const { executor, cgroups, nodeName } = await makeExecutor(stateDir, (m) => messages.push(m), { ...opts, cgroupParent });
  const spec = specMaker();
  return {
    executor,
    nodeName,
    cgroups,
    stateDir,
    cgroupParent,
    messages,
    spec,
    ...watch(messages),
    /** Runs a job to its end. */
    async run(s: Parameters<typeof spec>[0]) {
      const full = spec(s);
      await executor.launch(full);
      const exited = await this.exited(full.jobId);
      return { exited, output: this.output(full.jobId), jobId: full.jobId };
    },
    async cleanup() {
      await executor.stopAll(0);
      rmSync(stateDir, { recursive: true, force: true });
      if (!opts.cgroupRoot) await removeCgroupParent(cgroupParent);
    },
  };
}
