import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AgentMessageBody, LaunchSpec } from '@sluice/contracts';
import type { Logger } from 'pino';
import type { SessionEndpoint } from './activity';
import { jupyterLaunch } from './jupyter';
import { terminalLaunch } from './terminal';
import { Workload } from './workload';

export interface ExecutorDeps {
  send: (msg: AgentMessageBody) => void;
  log: Logger;
  stateDir: string;
  pythonEnv: string;
  sessionHost: string;
  /** Told when a session's server is up (its endpoint) and when it is gone (null), for idle tracking. */
  sessions?: { track(jobId: string, ep: SessionEndpoint | null): void };
  path: string;
}

/** Only these reach a workload's environment: never the agent's own secrets. */
const baseEnv = (jobId: string, user: string, workDir: string, gpuUuids: string[], pathVar: string): Record<string, string> => ({
  PATH: pathVar,
  HOME: workDir,
  USER: user,
  LOGNAME: user,
  LANG: 'C.UTF-8',
  SLUICE_JOB_ID: jobId,
  SLUICE_GPUS: String(gpuUuids.length),
  SLUICE_CHECKPOINT_DIR: path.join(workDir, 'checkpoints'),
  CUDA_VISIBLE_DEVICES: gpuUuids.join(','),
  NVIDIA_VISIBLE_DEVICES: gpuUuids.length > 0 ? gpuUuids.join(',') : 'void',
});

/** Runs the workloads the scheduler launches on this node. Launching a running job again does nothing. */
export class Executor {
  private readonly workloads = new Map<string, Workload>();

  constructor(private readonly deps: ExecutorDeps) {}

  running(): string[] {
    return [...this.workloads.keys()];
  }

  async launch(spec: LaunchSpec): Promise<void> {
    const { send, log } = this.deps;
    if (this.workloads.has(spec.jobId)) return;
    const jobLog = log.child({ jobId: spec.jobId });
    const workDir = path.join(this.deps.stateDir, 'work', `job-${spec.jobId}`);
    let file = '/bin/bash';
    let args = ['-c', spec.command];
    let env = baseEnv(spec.jobId, spec.user, workDir, spec.gpuUuids, this.deps.path);
    let isReadyLine: ((line: string) => boolean) | null = null;
    let port = 0;
    try {
      await mkdir(path.join(workDir, 'checkpoints'), { recursive: true });
      if (spec.kind === 'session') {
        if (!spec.session) throw new Error('session launch without a session spec');
        const { session } = spec;
        const j =
          session.template === 'terminal'
            ? await terminalLaunch({ session, host: this.deps.sessionHost })
            : await jupyterLaunch({ session, pythonEnv: this.deps.pythonEnv, host: this.deps.sessionHost, workDir });
        ({ file, args, port, isReadyLine } = j);
        env = { ...env, ...j.env };
      }
    } catch (err) {
      send({ type: 'exited', jobId: spec.jobId, exitCode: null, signal: null, cause: 'launch-failed', message: String(err) });
      return;
    }
    let ready = false;
    const workload = new Workload(
      { jobId: spec.jobId, file, args, env, cwd: workDir },
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
          const cause = r.error ? 'launch-failed' : r.stopped ? 'stopped' : 'exit';
          send({ type: 'exited', jobId: spec.jobId, exitCode: r.exitCode, signal: r.signal, cause, ...(r.error ? { message: r.error } : {}) });
        },
      },
      jobLog,
    );
    this.workloads.set(spec.jobId, workload);
    workload.start();
  }

  stop(jobId: string, graceSec: number): void {
    this.workloads.get(jobId)?.stop(graceSec);
  }

  /** Stops everything and waits for it (the all-in-one appliance leaves nothing behind). */
  async stopAll(graceSec: number): Promise<void> {
    const all = [...this.workloads.values()];
    for (const w of all) w.stop(graceSec);
    await Promise.all(all.map((w) => w.whenDone()));
  }
}
