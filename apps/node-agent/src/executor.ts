import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AgentMessageBody, JobExit, LaunchSpec } from '@sluice/contracts';
import type { Logger } from 'pino';
import type { SessionEndpoint } from './activity';
import type { JobCgroup, Limits } from './cgroup/job-cgroup';
import type { CgroupManager } from './cgroup/manager';
import { ContainerRefused, type ContainerRuntime, type PreparedContainer } from './container/runtime';
import { prepareJobDir, SAFE_JOB_ID } from './job-dir';
import { JobRun, type RunDeps, removeLinks, type StopWhy } from './job-run';
import { jupyterLaunch } from './jupyter';
import { batchShell, launchArgv } from './launch-command';
import { rayLaunch } from './ray';
import { reattachRuns } from './reattach';
import { terminalLaunch } from './terminal';
import { type AccountPolicy, AccountRefused, resolveAccount } from './unix-account';
import { workloadEnv } from './user-env';

export interface ExecutorDeps {
  /** This node's name (a job's node list when the scheduler sends none). */
  nodeName: string;
  send: (msg: AgentMessageBody) => void;
  /** Whether job output sent now reaches the scheduler (default: always; the agent asks its link). */
  linkUp?: () => boolean;
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

/** Variables Sluice sets for every job (Slurm's SLURM_JOB_ID, SLURM_JOB_NODELIST and friends). */
const jobVars = (jobId: string, jobDir: string, gpuUuids: string[], limits: Limits, nodes: string[], rank: number): Record<string, string> => ({
  SLUICE_JOB_ID: jobId,
  SLUICE_JOB_NODELIST: nodes.join(','),
  SLUICE_JOB_NUM_NODES: String(nodes.length),
  SLUICE_NODE_RANK: String(rank),
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
 * and in its own cgroup, and keeps what it knows of them on disk (job-run.ts), so an agent
 * started after this one carries on with them. Launching a job that runs, or whose end the
 * scheduler has not recorded yet, does nothing (it is run once), also across agent restarts.
 */
export class Executor {
  private readonly runs = new Map<string, JobRun>();
  private readonly launching = new Set<string>();
  /** Stops that arrived while their job was still being set up. */
  private readonly earlyStops = new Map<string, { graceSec: number; why: StopWhy }>();
  private readonly runDeps: RunDeps;

  constructor(private readonly deps: ExecutorDeps) {
    this.runDeps = {
      send: deps.send,
      linkUp: deps.linkUp ?? (() => true),
      log: deps.log,
      stateDir: deps.stateDir,
      sessionHost: deps.sessionHost,
      sessions: deps.sessions,
      gone: (jobId) => this.runs.delete(jobId),
      controlFor: (record, cgroup, note) =>
        record.spec.image ? deps.containers?.control({ jobId: record.spec.jobId, cgroup, layout: deps.cgroups.layout, note }) : undefined,
    };
  }

  /** Takes over what an earlier agent left running or unreported (call once, before the first hello). */
  reattach(): void {
    for (const run of reattachRuns(this.runDeps)) this.runs.set(run.jobId, run);
  }

  /** Jobs whose workload runs here or is being set up. */
  running(): string[] {
    return [...new Set([...[...this.runs.values()].filter((r) => r.phase === 'running').map((r) => r.jobId), ...this.launching])];
  }

  /** Ends the scheduler has not recorded yet. */
  finished(): JobExit[] {
    return [...this.runs.values()].map((r) => r.unrecordedExit).filter((e): e is JobExit => e !== null);
  }

  /** The scheduler recorded these ends: their records may go. */
  acknowledge(jobIds: string[]): void {
    for (const id of jobIds) this.runs.get(id)?.acknowledge();
  }

  /** Tells a (re)connected scheduler again which workloads run and which sessions listen. */
  announce(): void {
    for (const run of this.runs.values()) run.announce();
  }

  async launch(spec: LaunchSpec): Promise<void> {
    const previous = this.runs.get(spec.jobId);
    if (previous?.phase === 'running' || this.launching.has(spec.jobId)) return;
    // It ran here already and the scheduler has not recorded its end: say it again, run nothing.
    if (previous?.phase === 'ended' && !previous.acknowledged) return previous.resendExit();
    this.launching.add(spec.jobId);
    try {
      await previous?.retire();
      await this.start(spec);
    } finally {
      this.launching.delete(spec.jobId);
      const early = this.earlyStops.get(spec.jobId);
      this.earlyStops.delete(spec.jobId);
      if (early !== undefined) this.stop(spec.jobId, early.graceSec, early.why);
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
    let links: string[] = [];
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
      const nodes = spec.nodes?.length ? spec.nodes : [this.deps.nodeName];
      let vars = jobVars(spec.jobId, jobDir, spec.gpuUuids, limits, nodes, spec.rank ?? 0);
      let isReadyLine: ((line: string) => boolean) | null = null;
      let port = 0;
      let joinAddress: string | null = null;
      if (spec.kind === 'session') {
        if (!spec.session) throw new Error('session launch without a session spec');
        const { session } = spec;
        const host = this.deps.sessionHost;
        const j =
          session.template === 'terminal'
            ? await terminalLaunch({ session, host })
            : session.template === 'ray'
              ? await rayLaunch({ session, pythonEnv: this.deps.pythonEnv, host, jobDir, owner: asRoot ? account : null, gpus: spec.gpuUuids.length, limits, path: this.deps.path })
              : await jupyterLaunch({ session, pythonEnv: this.deps.pythonEnv, host, jobDir, rootDir: cwd, homeUsable: hasHome, path: this.deps.path });
        program = [j.file, ...j.args];
        ({ port, isReadyLine } = j);
        joinAddress = j.joinAddress ?? null;
        links = j.links ?? [];
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

      const run = JobRun.launch(
        this.runDeps,
        { spec, limits, cgroup: cgroup?.dirs ?? null, sessionPort: spec.kind === 'session' ? port : null, joinAddress, links },
        { file: argv.file, args: argv.args, env: container?.env ?? env, cwd },
        { supervisorProcs: this.deps.cgroups.supervisorProcs, isReadyLine, ...(container ? { control: container } : {}) },
      );
      this.runs.set(spec.jobId, run);
    } catch (err) {
      await cgroup?.remove().catch(() => {});
      removeLinks(links);
      fail(err);
    }
  }

  /** `discard`: the scheduler has no record of this run; stop it and report nothing of it. */
  stop(jobId: string, graceSec: number, why: StopWhy = 'asked'): void {
    if (this.launching.has(jobId)) this.earlyStops.set(jobId, { graceSec, why });
    this.runs.get(jobId)?.stop(graceSec, why);
  }

  /** Stops everything and waits for it (the all-in-one appliance leaves nothing behind); the ends are reported as lost with the node. */
  async stopAll(graceSec: number): Promise<void> {
    const all = [...this.runs.values()];
    for (const r of all) r.stop(graceSec, 'shutdown');
    await Promise.all(all.map((r) => r.whenEnded()));
  }
}
