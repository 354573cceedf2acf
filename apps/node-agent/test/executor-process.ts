import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { AgentMessageBody, JobExit } from '@sluice/contracts';
import type { ContainerConfig } from '../src/container/runtime';
import { eventually } from './appliance-processes';
import { watch } from './executor-harness';
import type { ExecutorCommand, ExecutorReport } from './fixtures/executor-process';

type State = { running: string[]; finished: JobExit[] };

/**
 * An Executor running in a process of its own (fixtures/executor-process.ts), like the agent's:
 * what it sends is collected here; `kill` is a crash (SIGKILL, nothing of its own clean-up runs).
 */
export class ExecutorProcess {
  readonly messages: AgentMessageBody[] = [];
  private last: State | null = null;
  private stateSeq = 0;
  private readonly child: ChildProcess;
  readonly watch = watch(this.messages);

  private constructor(stateDir: string, cgroupParent: string, containers?: Partial<ContainerConfig>) {
    this.child = fork(path.join(import.meta.dirname, 'fixtures/executor-process.ts'), [stateDir, cgroupParent, ...(containers ? [JSON.stringify(containers)] : [])], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    this.child.on('message', (r: ExecutorReport) => {
      if ('msg' in r) this.messages.push(r.msg);
      else {
        this.last = r.state;
        this.stateSeq++;
      }
    });
  }

  /** Starts one on `stateDir` and waits until it has taken over what is recorded there. */
  static async start(stateDir: string, cgroupParent: string, containers?: Partial<ContainerConfig>): Promise<ExecutorProcess> {
    const p = new ExecutorProcess(stateDir, cgroupParent, containers);
    await eventually(async () => p.last, 'the executor process to start');
    return p;
  }

  /** Sends a command; resolves with the running and finished jobs as they are after it. */
  async do(c: ExecutorCommand): Promise<State> {
    const seq = this.stateSeq;
    this.child.send(c);
    return eventually(async () => this.stateSeq > seq && this.last, `the executor process to do ${c.op}`);
  }

  state(): Promise<State> {
    return this.do({ op: 'state' });
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }

  /** Stops every workload it runs, then exits. */
  stopAll(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.send({ op: 'stopAll' } satisfies ExecutorCommand);
    });
  }
}
