import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from 'pino';
import type { JobCgroup } from './cgroup/job-cgroup';
import { LogBatcher } from './log-batcher';

export interface WorkloadSpec {
  jobId: string;
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** The job's cgroup, already created; null where the node has none to give. */
  cgroup: JobCgroup | null;
  /**
   * How a stop reaches the workload, instead of signalling the leader's process group: a
   * container's leader is podman, which must outlive the container to report its exit. The
   * leader still gets SIGKILL when the grace period is over.
   */
  signal?: (signal: 'SIGTERM' | 'SIGKILL') => Promise<void>;
  /** Clean-up once the leader has exited, before the cgroup is checked and removed (a container's remains). */
  afterExit?: () => Promise<void>;
}

export interface WorkloadEvents {
  started(pid: number): void;
  output(data: string): void;
  /** Every line of output, for watchers such as a session's readiness check. */
  line?(line: string): void;
  exited(result: { exitCode: number | null; signal: string | null; stopped: boolean; outOfMemory: boolean; error?: string }): void;
}

const killGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
};

/**
 * One running command in its own process group and cgroup. Stop sends SIGTERM to the group
 * and to every process in the cgroup, then kills them all after the grace period. When the
 * leader exits, stragglers are killed too (also those that left the process group), so
 * nothing outlives its job; then the cgroup is removed.
 */
export class Workload {
  private child: ChildProcess | null = null;
  private stopping = false;
  private killTimer: NodeJS.Timeout | null = null;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    readonly spec: WorkloadSpec,
    private readonly events: WorkloadEvents,
    private readonly log: Logger,
  ) {
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
  }

  start(): void {
    const logs = new LogBatcher((d) => this.events.output(d));
    let partial = '';
    const onData = (buf: Buffer) => {
      const text = buf.toString('utf8');
      logs.push(text);
      if (!this.events.line) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) this.events.line(l);
    };
    let child: ChildProcess;
    try {
      child = spawn(this.spec.file, this.spec.args, { cwd: this.spec.cwd, env: this.spec.env as NodeJS.ProcessEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      void this.finish({ exitCode: null, signal: null, stopped: false, outOfMemory: false, error: String(err) });
      return;
    }
    this.child = child;
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('spawn', () => {
      if (child.pid !== undefined) this.events.started(child.pid);
    });
    child.once('error', (err) => {
      if (child.pid === undefined) void this.finish({ exitCode: null, signal: null, stopped: false, outOfMemory: false, error: err.message });
    });
    child.once('exit', () => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      void this.spec.cgroup?.kill();
    });
    child.once('close', (code, signal) => {
      logs.flush();
      void this.finish({ exitCode: code, signal, stopped: this.stopping, outOfMemory: false });
    });
  }

  stop(graceSec: number): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.stopping) return;
    this.stopping = true;
    this.log.info({ jobId: this.spec.jobId, graceSec }, 'stopping workload');
    this.signal(pid, 'SIGTERM');
    this.killTimer = setTimeout(() => this.signal(pid, 'SIGKILL'), graceSec * 1000);
  }

  private signal(pid: number, signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.spec.signal) {
      this.spec.signal(signal).catch((err: unknown) => this.log.warn({ jobId: this.spec.jobId, err: String(err) }, 'could not signal the workload'));
      if (signal === 'SIGTERM') return;
    }
    killGroup(pid, signal);
    void (signal === 'SIGTERM' ? this.spec.cgroup?.signal(signal) : this.spec.cgroup?.kill());
  }

  /** Resolves once the workload has exited and reported. */
  whenDone(): Promise<void> {
    return this.done;
  }

  /** Reports the end once the cgroup has told whether the OOM killer struck, and is gone. */
  private async finish(result: Parameters<WorkloadEvents['exited']>[0]): Promise<void> {
    if (this.killTimer) clearTimeout(this.killTimer);
    await this.spec.afterExit?.().catch((err: unknown) => this.log.warn({ jobId: this.spec.jobId, err: String(err) }, 'clean-up after the workload failed'));
    const cgroup = this.spec.cgroup;
    if (cgroup) {
      try {
        // 137 = 128 + SIGKILL: how a shell or podman reports a child killed by SIGKILL.
        const killed = result.signal ?? (result.exitCode === 137 ? 'SIGKILL' : null);
        result.outOfMemory = !result.stopped && result.exitCode !== 0 && (await cgroup.oomKilled(killed));
        await cgroup.remove();
      } catch (err) {
        this.log.warn({ jobId: this.spec.jobId, err: String(err) }, 'could not remove the cgroup');
      }
    }
    this.events.exited(result);
    this.resolveDone();
  }
}
