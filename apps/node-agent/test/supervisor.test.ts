import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SupervisorLaunch } from '../src/job-state';
import { procStat } from '../src/proc-identity';
import { encodeLaunch, supervisorProgram } from '../src/supervisor-program';
import { alive, eventually } from './appliance-processes';

// The job supervisor as the agent starts it: its own session, no environment, the launch on stdin.
let runDir: string;
beforeEach(() => {
  runDir = mkdtempSync(path.join(tmpdir(), 'sluice-supervisor-'));
});
afterEach(() => rmSync(runDir, { recursive: true, force: true }));

/** Starts a supervisor and hands it `input` on stdin (as the agent does once it recorded the pid). */
function supervise(input: string | Buffer, dir = runDir) {
  const child = spawn(supervisorProgram(), [dir], { detached: true, stdio: ['pipe', 'pipe', 'inherit'], env: {} as NodeJS.ProcessEnv });
  child.stdin.end(input);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const record = (name: string) => (existsSync(path.join(dir, name)) ? JSON.parse(readFileSync(path.join(dir, name), 'utf8')) : null);
  return { child, exited, record };
}
const launchOf = (l: Partial<SupervisorLaunch>): Buffer => encodeLaunch({ file: '/bin/sh', args: [], env: { PATH: '/usr/bin:/bin' }, cwd: runDir, killFile: null, ...l });
const launch = (script: string): Buffer => launchOf({ args: ['-c', script] });

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
    const whole = launchOf({ args: ['-c', 'touch x'] });
    const inputs = [
      '',
      whole.subarray(0, whole.length - 2), // cut before the end record
      Buffer.concat([whole, Buffer.from('atouch\0')]), // something after it
      Buffer.from('a-c\0atouch x\0.\0'), // no program, no directory
      Buffer.from(`f/bin/sh\0d${runDir}\0eNOEQUALSIGN\0.\0`),
      JSON.stringify({ file: '/bin/sh', args: ['-c', 'touch x'], env: {}, cwd: runDir, killFile: null }),
    ];
    for (const input of inputs) {
      const s = supervise(input);
      expect(await s.exited).toBe(0);
      expect([s.record('started.json'), s.record('exit.json'), existsSync(path.join(runDir, 'x'))]).toEqual([null, null, false]);
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
    const s = supervise(launchOf({ file: '/nonexistent/program' }));
    await s.exited;
    expect(s.record('exit.json')).toMatchObject({ exitCode: null, signal: null, error: expect.stringContaining('ENOENT') });
    const noDir = supervise(launchOf({ cwd: path.join(runDir, 'missing') }));
    await noDir.exited;
    expect(noDir.record('exit.json').error).toMatch(/ENOENT: cannot enter the working directory .*missing/);
    expect(noDir.record('started.json')).toBeNull();
  });

  it('runs the program with exactly the launch environment, arguments and directory, and records its identity', async () => {
    const env = { PATH: '/usr/bin:/bin', A: 'x y', EMPTY: '', UNICODE: 'grüße "quoted" \\ back' };
    const s = supervise(launchOf({ file: 'env', args: [], env, cwd: '/' }));
    expect(await s.exited).toBe(0);
    const printed = readFileSync(path.join(runDir, 'output.log'), 'utf8').trim().split('\n').sort();
    expect(printed).toEqual(Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
    expect(s.record('exit.json')).toMatchObject({ exitCode: 0, signal: null });
    expect(new Date(s.record('exit.json').endedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const args = supervise(launchOf({ args: ['-c', 'printf "%s|" "$@"; pwd; cat', 'zero', 'one two', '', 'three'], cwd: '/tmp' }));
    await args.exited;
    // stdin is /dev/null (cat ends at once), arguments arrive as given, the directory is the launch's.
    expect(readFileSync(path.join(runDir, 'output.log'), 'utf8').split('\n').at(-2)).toBe('one two||three|/tmp');

    const liveDir = mkdtempSync(path.join(runDir, 'live-'));
    const live = supervise(launch('until [ -e go ]; do sleep 0.05; done'), liveDir);
    const started = await eventually(async () => live.record('started.json'), 'the workload to start');
    expect(started.startTime).toBe(procStat(started.pid)?.startTime);
    writeFileSync(path.join(runDir, 'go'), '');
    await live.exited;
  });

  it('refuses a launch it could not carry', () => {
    expect(() => encodeLaunch({ file: '/bin/sh', args: ['a\0b'], env: {}, cwd: '/', killFile: null })).toThrow(/NUL/);
    expect(() => encodeLaunch({ file: '/bin/sh', args: [], env: { 'A=B': 'c' }, cwd: '/', killFile: null })).toThrow(/not valid/);
  });
});
