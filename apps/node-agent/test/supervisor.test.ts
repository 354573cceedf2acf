import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SupervisorLaunch } from '../src/job-state';
import { alive, eventually } from './appliance-processes';

// The job supervisor as the agent starts it: its own process, type-stripped by Node, no environment.
const SUPERVISOR = path.resolve(import.meta.dirname, '../src/supervisor.mjs');
let runDir: string;
beforeEach(() => {
  runDir = mkdtempSync(path.join(tmpdir(), 'sluice-supervisor-'));
});
afterEach(() => rmSync(runDir, { recursive: true, force: true }));

/** Starts a supervisor and hands it `input` on stdin (as the agent does once it recorded the pid). */
function supervise(input: string) {
  const child = spawn(process.execPath, [SUPERVISOR, runDir], { detached: true, stdio: ['pipe', 'pipe', 'inherit'], env: {} as NodeJS.ProcessEnv });
  child.stdin.end(input);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const record = (name: string) => (existsSync(path.join(runDir, name)) ? JSON.parse(readFileSync(path.join(runDir, name), 'utf8')) : null);
  return { child, exited, record };
}
const launch = (script: string): string => JSON.stringify({ file: '/bin/sh', args: ['-c', script], env: { PATH: '/usr/bin:/bin' }, cwd: runDir, killFile: null } satisfies SupervisorLaunch);

describe('the job supervisor', () => {
  it('records the workload, its output and its exit, telling a signal from an exit code', async () => {
    const s = supervise(launch('echo hello; echo oops >&2; kill -TERM $$'));
    expect(await s.exited).toBe(0);
    expect(s.record('started.json')).toMatchObject({ pid: expect.any(Number) });
    expect(s.record('exit.json')).toMatchObject({ exitCode: null, signal: 'SIGTERM', endedAt: expect.any(String) });
    expect(readFileSync(path.join(runDir, 'output.log'), 'utf8')).toBe('hello\noops\n');
    const code = supervise(launch('exit 143'));
    await code.exited;
    expect(code.record('exit.json')).toMatchObject({ exitCode: 143, signal: null });
  });

  it('starts nothing when the agent died before handing over the launch, or handed over something else', async () => {
    for (const input of ['', '{"file":"/bin/sh","args":["-c","touch x"]', JSON.stringify({ file: '/bin/sh', args: ['-c', 'true'], env: { A: 1 }, cwd: '/', killFile: null })]) {
      const s = supervise(input);
      expect(await s.exited).toBe(0);
      expect([s.record('started.json'), s.record('exit.json')]).toEqual([null, null]);
    }
  });

  it('outlives SIGTERM (only the workload is stopped), and kills what the workload left in its process group', async () => {
    const s = supervise(launch(`sleep 600 & echo $! > left; until [ -e go ]; do sleep 0.05; done`));
    const left = await eventually(async () => existsSync(path.join(runDir, 'left')) && Number(readFileSync(path.join(runDir, 'left'), 'utf8')), 'the workload to start');
    s.child.kill('SIGTERM');
    writeFileSync(path.join(runDir, 'go'), '');
    expect(await s.exited).toBe(0);
    expect(s.record('exit.json')).toMatchObject({ exitCode: 0, signal: null });
    await eventually(async () => !alive(left), 'the left-behind process to be killed', 5_000);
  });

  it('records a workload that cannot be started', async () => {
    const s = supervise(JSON.stringify({ file: '/nonexistent/program', args: [], env: {}, cwd: runDir, killFile: null }));
    await s.exited;
    expect(s.record('exit.json')).toMatchObject({ exitCode: null, signal: null, error: expect.stringContaining('ENOENT') });
  });
});
