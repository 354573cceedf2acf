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

type Exited = Extract<AgentMessageBody, { type: 'exited' }>;

/** A real Executor (real processes, real accounts, the node's real cgroups) and what it sends. */
export async function startExecutor(opts: { cgroupRoot?: string; path?: string; minUid?: number; containers?: Partial<ContainerConfig> } = {}) {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'sluice-exec-'));
  // mkdtemp makes 0700 directories: job users must be able to traverse to their job directory.
  chmodSync(stateDir, 0o711);
  const log = pino({ level: 'silent' });
  const cgroups = new CgroupManager({ mountRoot: opts.cgroupRoot ?? '/sys/fs/cgroup' });
  await cgroups.init(log);
  const messages: AgentMessageBody[] = [];
  const containers = opts.containers
    ? new ContainerRuntime(
        { podman: null, runtime: null, registries: [], mounts: [], cdiDirs: [], cgroupRoot: opts.cgroupRoot ?? '/sys/fs/cgroup', rootless: process.getuid?.() !== 0, ...opts.containers, stateDir },
        { simulated: true, list: async () => [] },
      )
    : undefined;
  const executor = new Executor({
    send: (m) => messages.push(m),
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
  let seq = 0;
  const spec = (s: Partial<LaunchSpec> & Pick<LaunchSpec, 'user' | 'command'>): LaunchSpec => ({
    jobId: `t${++seq}`,
    kind: 'batch',
    gpuUuids: [],
    timeLimitSec: 600,
    ...s,
  });
  return {
    executor,
    cgroups,
    stateDir,
    messages,
    spec,
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
    },
  };
}
