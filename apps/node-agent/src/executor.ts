import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AgentMessageBody, LaunchSpec } from '@sluice/contracts';
import type { Logger } from 'pino';
import type { SessionEndpoint } from './activity';
import type { JobCgroup, Limits } from './cgroup/job-cgroup';
import type { CgroupManager } from './cgroup/manager';
import { ContainerRefused, type ContainerRuntime, type PreparedContainer } from './container/runtime';
import { prepareJobDir, SAFE_JOB_ID } from './job-dir';
import { jupyterLaunch } from './jupyter';
import { batchShell, launchArgv } from './launch-command';
import { terminalLaunch } from './terminal';
import { type AccountPolicy, AccountRefused, resolveAccount } from './unix-account';
import { workloadEnv } from './user-env';
import { Workload } from './workload';

export interface ExecutorDeps {
  send: (msg: AgentMessageBody) => void;
  log: Logger;
  stateDir: string;
  pythonEnv: string;
  sessionHost: string;
  /** Told when a session's server is up (its endpoint) and when it is gone (null), for idle tracking. */
  sessions?: { track(jobId: string, ep: SessionEndpoint | null): void };
  /** PATH given to workloads (the python env's bin is put first for sessions). */
  path: string;
  accounts: AccountPolicy;
  cgroups: CgroupManager;
  /** CPU and memory for a job whose launch does not say. */
  defaultLimits: Limits;
  /** Absolute path of setpriv; only needed when the agent is root. */
  setpriv: string | null;
  /** Runs jobs that name an image (podman); absent where the agent offers no containers. */
  containers?: ContainerRuntime;
}

/** Variables Sluice sets for every job (Slurm's SLURM_JOB_ID and friends). */
const jobVars = (jobId: string, jobDir: string, gpuUuids: string[], limits: Limits): Record<string, string> => ({
  SLUICE_JOB_ID: jobId,
  SLUICE_JOB_DIR: jobDir,
  SLUICE_GPUS: String(gpuUuids.length),
  SLUICE_CPUS: String(limits.cpus),
  SLUICE_MEMORY_MIB: String(limits.memoryMiB),
  SLUICE_CHECKPOINT_DIR: path.join(jobDir, 'checkpoints'),
  CUDA_VISIBLE_DEVICES: gpuUuids.join(','),
  NVIDIA_VISIBLE_DEVICES: gpuUuids.length > 0 ? gpuUuids.join(',') : 'void',
});

/**
 * Runs the workloads the scheduler launches on this node, each as its user's Unix account
 * and in its own cgroup. Launching a running job again does nothing.
 */
export class Executor {
  private readonly workloads = new Map<string, Workload>();
  private readonly launching = new Set<string>();
  /** Stops that arrived while their job was still being set up (grace seconds). */
  private readonly earlyStops = new Map<string, number>();

  constructor(private readonly deps: ExecutorDeps) {}

  running(): string[] {
    return [...new Set([...this.workloads.keys(), ...this.launching])];
  }

  async launch(spec: LaunchSpec): Promise<void> {
    if (this.workloads.has(spec.jobId) || this.launching.has(spec.jobId)) return;
    this.launching.add(spec.jobId);
    try {
      await this.start(spec);
    } finally {
      this.launching.delete(spec.jobId);
      const grace = this.earlyStops.get(spec.jobId);
      this.earlyStops.delete(spec.jobId);
      if (grace !== undefined) this.stop(spec.jobId, grace);
    }
  }

  private async start(spec: LaunchSpec): Promise<void> {
    const { send, log } = this.deps;
    const jobLog = log.child({ jobId: spec.jobId });
    const note = (text: string) => send({ type: 'log', jobId: spec.jobId, data: `[sluice] ${text}\n` });
    const fail = (err: unknown) => {
      // Without a reason the scheduler records LaunchFailed.
      const reason = err instanceof AccountRefused ? ('NoUnixAccount' as const) : err instanceof ContainerRefused ? err.reason : undefined;
      const message = err instanceof Error ? err.message : String(err);
      jobLog.warn({ reason, message }, 'launch failed');
      note(`cannot start: ${message}`);
      send({ type: 'exited', jobId: spec.jobId, exitCode: null, signal: null, cause: 'launch-failed', message, ...(reason ? { reason } : {}) });
    };
    let cgroup: JobCgroup | null = null;
    let workload: Workload;
    try {
      if (!SAFE_JOB_ID.test(spec.jobId)) throw new Error(`invalid job id ${JSON.stringify(spec.jobId)}`);
      if (spec.image && spec.kind !== 'batch') throw new Error('only batch jobs run in container images');
      if (spec.image && !this.deps.containers) throw new ContainerRefused('NoContainerRuntime', 'this node agent runs no containers');
      const asRoot = this.deps.accounts.agentUid === 0;
      const account = await resolveAccount(spec.user, this.deps.accounts);
      const jobDir = await prepareJobDir(this.deps.stateDir, spec.jobId, asRoot ? account : null);
      const limits: Limits = { cpus: spec.cpus ?? this.deps.defaultLimits.cpus, memoryMiB: spec.memoryMiB ?? this.deps.defaultLimits.memoryMiB };
      const hasHome = account.home !== '' && existsSync(account.home);
      if (!hasHome) note(`home directory ${account.home || '(none)'} of ${account.name} does not exist; starting in /`);
      const cwd = hasHome ? account.home : '/';

      let program: string[] = [];
      let vars = jobVars(spec.jobId, jobDir, spec.gpuUuids, limits);
      let isReadyLine: ((line: string) => boolean) | null = null;
      let port = 0;
      if (spec.kind === 'session') {
        if (!spec.session) throw new Error('session launch without a session spec');
        const { session } = spec;
        const j =
          session.template === 'terminal'
            ? await terminalLaunch({ session, host: this.deps.sessionHost })
            : await jupyterLaunch({ session, pythonEnv: this.deps.pythonEnv, host: this.deps.sessionHost, jobDir, rootDir: cwd, homeUsable: hasHome, path: this.deps.path });
        program = [j.file, ...j.args];
        ({ port, isReadyLine } = j);
        vars = { ...vars, ...j.env };
      } else if (!spec.image) {
        const { shell, note: shellNote } = batchShell(account.shell);
        if (shellNote) note(shellNote);
        // The command is one argument of the user's shell, never spliced into another command line.
        program = [shell, '-c', spec.command];
      }
      const { env, refused } = workloadEnv(account, this.deps.path, vars);
      for (const r of refused) note(`not passed on: ${r}`);

      cgroup = this.deps.cgroups.forJob(spec.jobId);
      await cgroup?.create(limits);
      let container: PreparedContainer | null = null;
      if (spec.image && this.deps.containers) {
        const { containers, cgroups } = this.deps;
        container = await containers.prepare({ ...spec, image: spec.image, account, env, workdir: cwd, homeUsable: hasHome, jobDir, cgroup, layout: cgroups.layout, limits, note });
      }
      // podman starts outside the job cgroup and as the agent: it puts the container in the cgroup and switches to the account itself.
      const argv = container ?? launchArgv({ program, procsFiles: cgroup?.procsFiles() ?? [], account: asRoot ? account : null, setpriv: this.deps.setpriv });
      jobLog.info({ user: account.name, uid: account.uid, cgroup: cgroup?.dirs.unified ?? cgroup?.dirs.memory ?? null, ...limits }, 'launching');

      let ready = false;
      workload = new Workload(
        { jobId: spec.jobId, file: argv.file, args: argv.args, env: container?.env ?? env, cwd, cgroup, signal: container?.signal, afterExit: container?.afterExit },
        {
          started: (pid) => {
            jobLog.info({ pid }, 'workload started');
            send({ type: 'started', jobId: spec.jobId, pid });
          },
          output: (data) => send({ type: 'log', jobId: spec.jobId, data }),
          line: isReadyLine
            ? (line) => {
                if (ready || !isReadyLine?.(line)) return;
                ready = true;
                send({ type: 'session-ready', jobId: spec.jobId, host: this.deps.sessionHost, port });
                if (spec.session) this.deps.sessions?.track(spec.jobId, { host: this.deps.sessionHost, port, baseUrl: spec.session.baseUrl, token: spec.session.token });
              }
            : undefined,
          exited: (r) => {
            this.workloads.delete(spec.jobId);
            this.deps.sessions?.track(spec.jobId, null);
            jobLog.info(r, 'workload exited');
            if (r.outOfMemory) note(`killed by the kernel's OOM killer: the job used more than its ${limits.memoryMiB} MiB of memory`);
            const cause = r.error ? 'launch-failed' : r.stopped ? 'stopped' : 'exit';
            send({
              type: 'exited',
              jobId: spec.jobId,
              exitCode: r.exitCode,
              signal: r.signal,
              cause,
              ...(r.error ? { message: r.error } : {}),
              ...(r.outOfMemory ? { reason: 'OutOfMemory' as const } : {}),
            });
          },
        },
        jobLog,
      );
    } catch (err) {
      await cgroup?.remove().catch(() => {});
      fail(err);
      return;
    }
    this.workloads.set(spec.jobId, workload);
    workload.start();
  }

  stop(jobId: string, graceSec: number): void {
    if (this.launching.has(jobId)) this.earlyStops.set(jobId, graceSec);
    this.workloads.get(jobId)?.stop(graceSec);
  }

  /** Stops everything and waits for it (the all-in-one appliance leaves nothing behind). */
  async stopAll(graceSec: number): Promise<void> {
    const all = [...this.workloads.values()];
    for (const w of all) w.stop(graceSec);
    await Promise.all(all.map((w) => w.whenDone()));
  }
}
