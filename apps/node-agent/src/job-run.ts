import { unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import type { AgentMessageBody, JobExit } from '@sluice/contracts';
import type { Logger } from 'pino';
import type { SessionEndpoint } from './activity';
import { JobCgroup } from './cgroup/job-cgroup';
import { type JobRecord, RunDir, type SupervisorLaunch } from './job-state';
import { LogTail } from './log-tail';
import { isRunning } from './proc-identity';
import { Workload, type WorkloadControl, type WorkloadEnd } from './workload';

export interface RunDeps {
  send: (msg: AgentMessageBody) => void;
  /** Whether output sent now reaches the scheduler (the link is up and not backed up). */
  linkUp: () => boolean;
  log: Logger;
  stateDir: string;
  sessionHost: string;
  /** Told when a session's server is up (its endpoint) and when it is gone (null), for idle tracking. */
  sessions?: { track(jobId: string, ep: SessionEndpoint | null): void };
  /** The run's records are gone (the scheduler recorded its end, or it was discarded). */
  gone: (jobId: string) => void;
  /** How an adopted workload that is more than a process tree is stopped and cleaned up (a container job). */
  controlFor?: (record: JobRecord, cgroup: JobCgroup | null, note: (text: string) => void) => WorkloadControl | undefined;
}

/**
 * `running`: the workload runs (or is being started); `discarding`: it is being stopped and its end
 * will not be reported (the scheduler has no record of it); `ended`: its end is recorded on disk and
 * reported until the scheduler acknowledges it; `gone`: nothing of it is left.
 */
export type RunPhase = 'running' | 'discarding' | 'ended' | 'gone';

/**
 * Why a run is stopped: the scheduler asked (cancel, time limit, preemption...); the scheduler has
 * no record of it (`discard`: nothing of it is reported); the agent is shutting down and stops
 * everything (the appliance's Ctrl-C: reported as lost with its node, so it is requeued where allowed).
 */
export type StopWhy = 'asked' | 'discard' | 'shutdown';

/** Removes links a launch made outside the job's directory (only the links: never what they point to). */
export function removeLinks(links: readonly string[]): void {
  for (const link of links) {
    try {
      unlinkSync(link);
    } catch {
      // gone already
    }
  }
}

/** What an agent started after this one reports for a run whose supervisor vanished without an exit status. */
const LOST_STATUS = 'its exit status was lost: the job supervisor ended before it';
const SHUT_DOWN = 'stopped because its node agent shut down';
const PROBE_MS = 500;

/**
 * One job on this node, from its launch until the scheduler has recorded its end: the workload
 * (through its supervisor), its output (tailed from the file it writes), a session's readiness,
 * and the durable record of how it ended. An agent started after a crash or restart rebuilds it
 * from the records on disk (`reattach`).
 */
export class JobRun {
  phase: RunPhase;
  /** The scheduler recorded the end; the records go once all output is sent. */
  acknowledged = false;
  private workload: Workload | null = null;
  private readonly tail: LogTail;
  private exit: JobExit | null = null;
  private session: SessionEndpoint | null;
  private probe: NodeJS.Timeout | null = null;
  private drainWait: NodeJS.Timeout | null = null;
  private shutdown = false;
  private readonly removed: Promise<void>;
  private resolveRemoved!: () => void;
  private readonly log: Logger;

  private constructor(
    private readonly dir: RunDir,
    private readonly deps: RunDeps,
    phase: RunPhase,
  ) {
    this.phase = phase;
    this.log = deps.log.child({ jobId: dir.jobId });
    this.session = dir.record.session;
    this.removed = new Promise((r) => {
      this.resolveRemoved = r;
    });
    this.tail = new LogTail(dir.file('output'), dir.file('sent'), { send: (data) => deps.send({ type: 'log', jobId: dir.jobId, data }), canSend: deps.linkUp });
    this.tail.start();
  }

  get jobId(): string {
    return this.dir.jobId;
  }

  /** Records the launch, then starts the workload under its supervisor. */
  static launch(
    deps: RunDeps,
    record: Omit<JobRecord, 'supervisor' | 'session' | 'stopping' | 'discarded'>,
    launch: Omit<SupervisorLaunch, 'killFile'>,
    opts: { supervisorProcs: string | null; isReadyLine: ((line: string) => boolean) | null; control?: WorkloadControl },
  ): JobRun {
    const dir = RunDir.create(deps.stateDir, { ...record, supervisor: null, session: null, stopping: false, discarded: false });
    const run = new JobRun(dir, deps, 'running');
    const cgroup = record.cgroup ? new JobCgroup(record.cgroup) : null;
    const { isReadyLine } = opts;
    if (isReadyLine) run.tail.watchLines((line) => isReadyLine(line) && run.ready());
    const { supervisorProcs, control } = opts;
    run.workload = Workload.start(dir, { ...launch, killFile: cgroup?.killFile() ?? null }, { cgroup, supervisorProcs, events: run.events(), log: run.log, control });
    return run;
  }

  /**
   * Rebuilds a run from its records after an agent restart: an ended one is reported again, a
   * running one is adopted (a session is tracked again, or watched until its port answers), and
   * one whose supervisor never got going is removed (nothing ran; the scheduler launches it again).
   * Null when nothing is left of it. Throws when the records cannot be read.
   */
  static reattach(deps: RunDeps, jobId: string): JobRun | null {
    const dir = RunDir.open(deps.stateDir, jobId);
    const rec = dir.record;
    const cgroup = rec.cgroup ? new JobCgroup(rec.cgroup) : null;
    const finished = dir.finished();
    if (finished) {
      const run = new JobRun(dir, deps, 'ended');
      run.exit = finished;
      run.tail.finish();
      void cgroup?.remove().catch(() => {});
      removeLinks(rec.links ?? []);
      return run;
    }
    if (!rec.supervisor || (!isRunning(rec.supervisor) && !dir.started() && !dir.exit())) {
      deps.log.info({ jobId }, 'its launch never got under way: forgotten, to be launched again');
      void cgroup?.remove().catch(() => {});
      removeLinks(rec.links ?? []);
      dir.remove();
      return null;
    }
    const run = new JobRun(dir, deps, rec.discarded ? 'discarding' : 'running');
    if (rec.discarded) run.tail.close();
    else if (run.session) deps.sessions?.track(jobId, run.session);
    else if (rec.spec.session && rec.sessionPort) run.probeUntilReady(rec.sessionPort);
    // Last: it may find the workload ended already and report that at once.
    const control = deps.controlFor?.(rec, cgroup, (text) => run.note(text));
    run.workload = Workload.adopt(dir, { cgroup, events: run.events(), log: run.log, control });
    run.log.info({ phase: run.phase, pid: run.workload.pid, session: run.session !== null }, 'adopted a workload an earlier agent started');
    return run;
  }

  /** The end, while the scheduler has not recorded it. */
  get unrecordedExit(): JobExit | null {
    return this.phase === 'ended' && !this.acknowledged ? this.exit : null;
  }

  /** Says again what a (re)connected scheduler must know: the workload runs, the session listens. */
  announce(): void {
    if (this.phase !== 'running') return;
    const pid = this.workload?.pid;
    if (pid) this.deps.send({ type: 'started', jobId: this.jobId, pid });
    if (this.session) this.sendReady(this.session);
  }

  resendExit(): void {
    if (this.exit) this.deps.send({ type: 'exited', ...this.exit });
  }

  stop(graceSec: number, why: StopWhy): void {
    if (this.phase !== 'running' && this.phase !== 'discarding') return;
    if (why === 'shutdown') this.shutdown = true;
    if (why === 'discard' && this.phase === 'running') {
      this.phase = 'discarding';
      if (!this.dir.tryUpdate({ discarded: true })) this.log.error('cannot record that this run is discarded');
      this.tail.close(); // its output is not the scheduler's any more either
      this.log.info('the scheduler has no record of this run: stopping it without reporting it');
    }
    this.workload?.stop(graceSec);
  }

  /** Resolves once the workload ended (and its end was recorded). */
  async whenEnded(): Promise<void> {
    await this.workload?.whenDone();
  }

  /** The scheduler recorded the end: the records go as soon as all output is sent. */
  acknowledge(): void {
    if (this.phase !== 'ended') return;
    this.acknowledged = true;
    this.tail.tick();
    if (this.tail.drained) this.remove();
    else
      this.drainWait ??= setInterval(() => {
        if (this.tail.drained) this.remove();
      }, 200);
  }

  /** Makes way for a new run of the same job: waits for a discarded one to end, drops an acknowledged one. */
  async retire(): Promise<void> {
    if (this.phase === 'discarding') await this.removed;
    else if (this.phase === 'ended' && this.acknowledged) {
      this.tail.tick();
      this.remove();
    }
  }

  private remove(): void {
    if (this.phase === 'gone') return;
    this.phase = 'gone';
    if (this.drainWait) clearInterval(this.drainWait);
    if (this.probe) clearInterval(this.probe);
    this.tail.close();
    this.dir.remove();
    this.deps.gone(this.jobId);
    this.resolveRemoved();
  }

  private ready(port = this.dir.record.sessionPort): void {
    const spec = this.dir.record.spec.session;
    if (this.session || !spec || !port || this.phase === 'gone') return;
    this.tail.watchLines(null);
    if (this.probe) clearInterval(this.probe);
    this.session = { host: this.deps.sessionHost, port, baseUrl: spec.baseUrl, token: spec.token, template: spec.template };
    if (!this.dir.tryUpdate({ session: this.session })) this.log.error('cannot record the session endpoint');
    if (this.phase !== 'running') return;
    this.sendReady(this.session);
    this.deps.sessions?.track(this.jobId, this.session);
  }

  /** session-ready, with the address further nodes join where the session spans several (a Ray head). */
  private sendReady(ep: SessionEndpoint): void {
    const address = this.dir.record.joinAddress;
    this.deps.send({ type: 'session-ready', jobId: this.jobId, host: ep.host, port: ep.port, ...(address ? { address } : {}) });
  }

  /** A session adopted before it said it listens: ready once its port takes connections. */
  private probeUntilReady(port: number): void {
    const attempt = () => {
      const sock = connect({ host: this.deps.sessionHost, port });
      sock.once('connect', () => {
        sock.destroy();
        this.ready(port);
      });
      sock.once('error', () => sock.destroy());
    };
    this.probe = setInterval(attempt, PROBE_MS);
    this.probe.unref();
    attempt();
  }

  private events() {
    return {
      started: (pid: number) => {
        this.log.info({ pid }, 'workload started');
        if (this.phase === 'running') this.deps.send({ type: 'started', jobId: this.jobId, pid });
      },
      exited: (end: WorkloadEnd) => this.ended(end),
    };
  }

  private ended(end: WorkloadEnd): void {
    this.deps.sessions?.track(this.jobId, null);
    removeLinks(this.dir.record.links ?? []);
    this.tail.watchLines(null);
    if (this.probe) clearInterval(this.probe);
    this.log.info(end, 'workload exited');
    if (this.phase === 'discarding') {
      this.remove();
      return;
    }
    this.tail.finish();
    if (end.outOfMemory) this.note(`killed by the kernel's OOM killer: the job used more than its ${this.dir.record.limits.memoryMiB} MiB of memory`);
    const shutDown = this.shutdown && end.stopped;
    const message = end.error ?? (end.unknown ? LOST_STATUS : shutDown ? SHUT_DOWN : undefined);
    const reason = end.outOfMemory ? ('OutOfMemory' as const) : (end.unknown && !end.stopped) || shutDown ? ('NodeLost' as const) : undefined;
    this.exit = {
      jobId: this.jobId,
      exitCode: end.exitCode,
      signal: end.signal,
      cause: end.error ? 'launch-failed' : end.stopped ? 'stopped' : 'exit',
      ...(message ? { message } : {}),
      ...(reason ? { reason } : {}),
      endedAt: end.endedAt,
    };
    try {
      this.dir.writeFinished(this.exit);
    } catch (err) {
      // Still reported from memory; only an agent restart before the scheduler records it would lose it.
      this.log.error({ err: String(err) }, 'cannot record how the job ended on disk');
    }
    this.phase = 'ended';
    this.resendExit();
  }

  private note(text: string): void {
    this.deps.send({ type: 'log', jobId: this.jobId, data: `[sluice] ${text}\n` });
  }
}
