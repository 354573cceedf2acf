import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { JobCgroup } from './cgroup/job-cgroup';
import type { RunDir, SupervisorLaunch, WorkloadExit, WorkloadStarted } from './job-state';
import { isRunning, type ProcessIdentity, procStat } from './proc-identity';
import { encodeLaunch, supervisorProgram } from './supervisor-program';

/** How often an adopted workload (not the agent's child) is looked at for its end. */
const ADOPTED_POLL_MS = 500;

export interface WorkloadEnd {
  exitCode: number | null;
  signal: string | null;
  /** A stop was asked for (also by an earlier agent). */
  stopped: boolean;
  outOfMemory: boolean;
  /** It could not be started at all. */
  error?: string;
  /** Its exit status was lost: the supervisor ended before it without recording one. */
  unknown: boolean;
  endedAt: string;
}

/**
 * How a workload that is more than its process tree is stopped and cleaned up: a container's
 * leader is podman, which must outlive the container to report its exit (container/runtime.ts).
 */
export interface WorkloadControl {
  /** Instead of signalling the leader's process group; the leader still gets SIGKILL when the grace period is over. */
  signal(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Clean-up once the leader has exited, before the cgroup is checked and removed (a container's remains). */
  afterExit(): Promise<void>;
}

export interface WorkloadEvents {
  started(pid: number): void;
  exited(end: WorkloadEnd): void;
}

export interface WorkloadOptions {
  cgroup: JobCgroup | null;
  events: WorkloadEvents;
  log: Logger;
  control?: WorkloadControl;
}

const killGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
};

/**
 * One job's process tree, through its supervisor (supervisor/supervisor.c): the supervisor is the
 * workload's parent and records its exit status, so an agent started after this one can adopt the
 * workload and still learn how it ended. Stop sends SIGTERM to the workload's process group and to
 * every process in its cgroup, then kills them all after the grace period. Once it ended, the
 * cgroup is checked for the OOM killer and removed before the end is reported.
 */
export class Workload {
  private supervisor: ProcessIdentity | null;
  private child: ChildProcess | null = null;
  private workload: WorkloadStarted | null = null;
  private poll: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  /** A stop that came before the workload's pid was known (grace seconds). */
  private pendingStop: number | null = null;
  private ending = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  private constructor(
    private readonly run: RunDir,
    private readonly cgroup: JobCgroup | null,
    private readonly events: WorkloadEvents,
    private readonly log: Logger,
    private readonly control: WorkloadControl | null,
  ) {
    this.supervisor = run.record.supervisor;
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
  }

  /** Starts the supervisor, records it, then hands it the launch. `supervisorProcs`: a cgroup.procs to move it to. */
  static start(run: RunDir, launch: SupervisorLaunch, opts: WorkloadOptions & { supervisorProcs: string | null }): Workload {
    const w = new Workload(run, opts.cgroup, opts.events, opts.log, opts.control ?? null);
    const errors = openSync(run.file('output'), 'a');
    let child: ChildProcess;
    let input: Buffer;
    try {
      input = encodeLaunch(launch);
      child = spawn(supervisorProgram(), [run.dir], { detached: true, stdio: ['pipe', 'pipe', errors], env: {} as NodeJS.ProcessEnv });
    } catch (err) {
      void w.finish({ exitCode: null, signal: null, error: String(err), endedAt: new Date().toISOString() });
      return w;
    } finally {
      closeSync(errors);
    }
    w.child = child;
    child.stdin?.on('error', () => {}); // it died before reading: its exit says the rest
    child.once('spawn', () => {
      const pid = child.pid as number;
      // Not reaped yet, so the pid is still this child's.
      const supervisor = { pid, startTime: procStat(pid)?.startTime ?? 0 };
      try {
        run.update({ supervisor });
      } catch (err) {
        // Unrecorded, it must not start anything (a later agent could not find it): it has no launch yet.
        child.kill('SIGKILL');
        void w.finish({ exitCode: null, signal: null, error: `cannot record the job supervisor: ${String(err)}`, endedAt: new Date().toISOString() });
        return;
      }
      w.supervisor = supervisor;
      if (opts.supervisorProcs) {
        try {
          // Out of the agent's own (service) cgroup, so stopping the agent's unit leaves it alone.
          writeFileSync(opts.supervisorProcs, String(pid));
        } catch (err) {
          w.log.debug({ err: String(err) }, 'supervisor stays in the agent cgroup');
        }
      }
      child.stdin?.end(input);
    });
    child.once('error', (err) => {
      if (child.pid === undefined) void w.finish({ exitCode: null, signal: null, error: err.message, endedAt: new Date().toISOString() });
    });
    child.stdout?.on('data', () => w.check());
    child.once('exit', () => w.check());
    return w;
  }

  /** Takes over a workload an earlier agent started: watched until it ends, stoppable as before. */
  static adopt(run: RunDir, opts: WorkloadOptions): Workload {
    const w = new Workload(run, opts.cgroup, opts.events, opts.log, opts.control ?? null);
    w.watch();
    w.check();
    return w;
  }

  /** Pid of the workload once it runs. */
  get pid(): number | null {
    return this.workload?.pid ?? null;
  }

  private watch(): void {
    this.poll ??= setInterval(() => this.check(), ADOPTED_POLL_MS);
  }

  /** Looks at what the supervisor recorded, and whether it (or, without it, the workload) still runs. */
  private check(): void {
    try {
      this.look();
    } catch (err) {
      this.log.error({ jobId: this.run.jobId, err: String(err) }, 'cannot read what the job supervisor recorded; trying again');
      this.watch();
    }
  }

  private look(): void {
    if (this.ending) return;
    // Started first: a workload may have started and ended between two looks; both are reported.
    if (!this.workload) {
      const started = this.run.started();
      if (started) this.onStarted(started);
    }
    const exit = this.run.exit();
    if (exit) {
      void this.finish(exit);
      return;
    }
    if (this.supervisor && isRunning(this.supervisor)) return;
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    // The supervisor is gone without an exit status (it was killed): watch the workload itself.
    const w = this.workload;
    if (w && w.startTime !== null && isRunning({ pid: w.pid, startTime: w.startTime })) {
      this.watch();
      return;
    }
    this.log.warn({ jobId: this.run.jobId }, 'the job supervisor ended without recording an exit status');
    void this.finish({ exitCode: null, signal: null, endedAt: new Date().toISOString() }, true);
  }

  private onStarted(started: WorkloadStarted): void {
    this.workload = started;
    this.events.started(started.pid);
    if (this.pendingStop !== null) this.stop(this.pendingStop);
  }

  /** Whether the recorded workload pid still names it (its supervisor has not recorded an end). */
  private workloadRunning(): boolean {
    const w = this.workload;
    if (!w || this.ending || this.run.exit()) return false;
    if (this.supervisor && isRunning(this.supervisor)) return true;
    return w.startTime !== null && isRunning({ pid: w.pid, startTime: w.startTime });
  }

  stop(graceSec: number): void {
    if (this.ending) return;
    if (!this.run.record.stopping && !this.run.tryUpdate({ stopping: true })) this.log.error({ jobId: this.run.jobId }, 'cannot record the stop');
    if (!this.workload) {
      this.pendingStop = graceSec;
      return;
    }
    // A repeated stop (the scheduler resends them) changes nothing while one is under way.
    if (this.killTimer || !this.workloadRunning()) return;
    const pid = this.workload.pid;
    this.log.info({ jobId: this.run.jobId, graceSec }, 'stopping workload');
    this.signal(pid, 'SIGTERM');
    this.killTimer = setTimeout(() => this.signal(pid, 'SIGKILL'), graceSec * 1000);
  }

  private signal(pid: number, signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.control) {
      this.control.signal(signal).catch((err: unknown) => this.log.warn({ jobId: this.run.jobId, err: String(err) }, 'could not signal the workload'));
      if (signal === 'SIGTERM') return;
    }
    if (this.workloadRunning()) killGroup(pid, signal);
    void (signal === 'SIGTERM' ? this.cgroup?.signal(signal) : this.cgroup?.kill());
  }

  /** Resolves once the workload has ended and its end was reported. */
  whenDone(): Promise<void> {
    return this.done;
  }

  /** Reports the end once the cgroup has told whether the OOM killer struck, and is gone. */
  private async finish(exit: WorkloadExit, unknown = false): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    if (this.poll) clearInterval(this.poll);
    if (this.killTimer) clearTimeout(this.killTimer);
    await this.control?.afterExit().catch((err: unknown) => this.log.warn({ jobId: this.run.jobId, err: String(err) }, 'clean-up after the workload failed'));
    const stopped = this.run.record.stopping;
    let outOfMemory = false;
    if (this.cgroup) {
      try {
        // 137 = 128 + SIGKILL: how a shell or podman reports a child killed by SIGKILL.
        const killed = exit.signal ?? (exit.exitCode === 137 ? 'SIGKILL' : null);
        outOfMemory = !stopped && !exit.error && exit.exitCode !== 0 && (await this.cgroup.oomKilled(killed));
        await this.cgroup.remove();
      } catch (err) {
        this.log.warn({ jobId: this.run.jobId, err: String(err) }, 'could not remove the cgroup');
      }
    }
    this.events.exited({ exitCode: exit.exitCode, signal: exit.signal, stopped, outOfMemory, unknown, endedAt: exit.endedAt, ...(exit.error ? { error: exit.error } : {}) });
    this.resolveDone();
  }
}
