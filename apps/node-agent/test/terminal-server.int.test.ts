import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jupyterLastActive } from '../src/activity';
import { terminalLaunch } from '../src/terminal';
import { alive, eventually } from './appliance-processes';
import { TerminalClient } from './terminal-client';

interface Running {
  child: ChildProcess;
  port: number;
  base: string;
  ws: string;
  token: string;
  exit: Promise<number | null>;
}

const started: Running[] = [];
const dirs: string[] = [];

/** Starts the real terminal server the way the node agent does (same launch, clean environment). */
async function startServer(): Promise<Running> {
  const token = randomBytes(24).toString('hex');
  const home = mkdtempSync(path.join(tmpdir(), 'sluice-term-'));
  dirs.push(home);
  const baseUrl = '/s/77/';
  const launch = await terminalLaunch({ session: { template: 'terminal', baseUrl, token }, host: '127.0.0.1' });
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', SHELL: '/bin/bash', ...launch.env };
  const child = spawn(launch.file, launch.args, {
    cwd: home,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.split('\n').some(launch.isReadyLine)) resolve();
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    void exit.then((code) => reject(new Error(`terminal server exited (${code}): ${out}`)));
  });
  const r = { child, port: launch.port, base: `http://127.0.0.1:${launch.port}${baseUrl}`, ws: `ws://127.0.0.1:${launch.port}${baseUrl}ws`, token, exit };
  started.push(r);
  return r;
}

afterEach(() => {
  for (const r of started.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const status = async (r: Running) => (await fetch(`${r.base}api/status`, { headers: { authorization: `token ${r.token}` } })).json() as Promise<{ last_activity: string }>;

describe('terminal server (real node-pty, real shell)', () => {
  it('runs what is typed in a login shell and streams the output back', async () => {
    const r = await startServer();
    const term = await TerminalClient.open(r.ws, r.token);
    term.type('echo hello-$((40+2))\r');
    await eventually(async () => term.output.includes('hello-42'), 'echo output', 15_000);
    term.close();
  });

  it('refuses a connection without the token (401) or with a wrong one (403), for HTTP and WebSocket', async () => {
    const r = await startServer();
    await expect(TerminalClient.open(r.ws, null)).rejects.toThrow('HTTP 401');
    await expect(TerminalClient.open(r.ws, `${r.token.slice(0, -1)}x`)).rejects.toThrow('HTTP 403');
    await expect(TerminalClient.open(`${r.base}elsewhere`.replace('http', 'ws'), r.token)).rejects.toThrow('HTTP 404');
    expect((await fetch(`${r.base}api/status`)).status).toBe(401);
    expect((await fetch(`${r.base}api/status`, { headers: { authorization: 'token nope' } })).status).toBe(403);
    expect(r.child.exitCode).toBeNull();
  });

  it('resizes the pseudo-terminal', async () => {
    const r = await startServer();
    const term = await TerminalClient.open(r.ws, r.token);
    term.resize(123, 45);
    term.type('echo size=$(stty size)\r');
    await eventually(async () => term.output.includes('size=45 123'), 'new size', 15_000);
    term.close();
  });

  it('counts input as activity for idle tracking, and looks like Jupyter to the agent', async () => {
    const r = await startServer();
    const before = await status(r);
    const kernels = await fetch(`${r.base}api/kernels?no_track_activity=1`, { headers: { authorization: `token ${r.token}` } });
    expect(await kernels.json()).toEqual([]);
    expect((await status(r)).last_activity).toBe(before.last_activity);
    const term = await TerminalClient.open(r.ws, r.token);
    await new Promise((res) => setTimeout(res, 5));
    term.type('true\r');
    await eventually(async () => Date.parse((await status(r)).last_activity) > Date.parse(before.last_activity), 'activity');
    // The agent's idle probe reads it as it reads Jupyter's.
    const probed = await jupyterLastActive({ host: '127.0.0.1', port: r.port, baseUrl: '/s/77/', token: r.token }, Date.now());
    expect(probed).toBe(Date.parse((await status(r)).last_activity));
    term.close();
  });

  it('a new tab sees the earlier output, and the server exits with the shell', async () => {
    const r = await startServer();
    const first = await TerminalClient.open(r.ws, r.token);
    first.type('echo before-$((1+1))\r');
    await eventually(async () => first.output.includes('before-2'), 'first output', 15_000);
    const second = await TerminalClient.open(r.ws, r.token);
    await eventually(async () => second.output.includes('before-2'), 'replayed output', 15_000);
    second.type('exit 7\r');
    expect(await r.exit).toBe(7);
    await eventually(async () => first.closed, 'socket closed');
    expect(first.closed?.code).toBe(1000);
  });

  it('hangs up the shell when the session is stopped (SIGTERM)', async () => {
    const r = await startServer();
    const term = await TerminalClient.open(r.ws, r.token);
    term.type('echo shell-pid=$$\r');
    const pid = Number((await eventually(async () => /shell-pid=(\d+)/.exec(term.output), 'shell pid', 15_000))[1]);
    expect(alive(pid)).toBe(true);
    r.child.kill('SIGTERM');
    await r.exit;
    await eventually(async () => !alive(pid), 'shell to end', 10_000);
  });
});
