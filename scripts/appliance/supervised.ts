import { type ChildProcess, fork } from 'node:child_process';

export interface SupervisedSpec {
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  /** Crashes allowed within a minute before giving up. */
  maxCrashesPerMinute?: number;
}

/**
 * A child daemon: started with tsx, restarted with exponential back-off and jitter when it
 * crashes, given up on when it crash-loops. Stop sends SIGTERM, then SIGKILL.
 */
export class Supervised {
  private child: ChildProcess | null = null;
  private crashes: number[] = [];
  private stopping = false;
  private readyWaiters: ((msg: { port?: number }) => void)[] = [];

  constructor(
    private readonly spec: SupervisedSpec,
    private readonly onGiveUp: (name: string) => void,
  ) {}

  start(): void {
    const child = fork(this.spec.script, [], { execArgv: ['--import', 'tsx'], env: this.spec.env, stdio: 'inherit' });
    this.child = child;
    child.on('message', (msg: unknown) => {
      if (typeof msg === 'object' && msg !== null && (msg as { type?: string }).type === 'ready') {
        for (const w of this.readyWaiters.splice(0)) w(msg as { port?: number });
      }
    });
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      const now = Date.now();
      this.crashes = [...this.crashes.filter((t) => now - t < 60_000), now];
      if (this.crashes.length > (this.spec.maxCrashesPerMinute ?? 5)) {
        console.error(`[sluice] ${this.spec.name} keeps crashing (exit ${code ?? signal}); giving up`);
        this.onGiveUp(this.spec.name);
        return;
      }
      const delay = Math.min(10_000, 500 * 2 ** (this.crashes.length - 1)) * (0.75 + Math.random() / 2);
      console.error(`[sluice] ${this.spec.name} exited (${code ?? signal}); restarting in ${Math.round(delay)} ms`);
      setTimeout(() => !this.stopping && this.start(), delay);
    });
  }

  /** Resolves with the child's "ready" message (e.g. the port it listens on). */
  ready(timeoutMs: number): Promise<{ port?: number }> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.spec.name} did not become ready in ${timeoutMs / 1000} s`)), timeoutMs);
      this.readyWaiters.push((m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  }

  /** From now on an exit is expected (e.g. Ctrl-C reached the whole process group at once). */
  markStopping(): void {
    this.stopping = true;
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
