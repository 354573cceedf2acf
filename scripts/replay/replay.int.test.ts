// The live replay end to end: a real appliance with two node agents (2 simulated GPUs each),
// a six-job trace replayed through REST v1 as real `sleep` jobs, results and estimates read back.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
// Next's dev mode rewrites this file to point at its dev build; it is put back afterwards.
const nextEnv = path.join(root, 'apps/web/next-env.d.ts');
const PASSWORD = 'replay-test-admin-pw';
const FACTOR = 60;
// Wall seconds (x60 in the trace): 4 GPUs in all, so jobs 3-6 wait for jobs 1-2.
const TRACE = `job_id,user,group,submit_time_s,duration_s,gpus
j1,alice,ga,0,240,2
j2,bob,gb,0,240,2
j3,alice,ga,60,120,1
j4,bob,gb,60,120,1
j5,carol,ga,120,60,2
j6,bob,gb,150,60,1
`;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const csv = (file: string) => {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = (header ?? '').split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])) as Record<string, string>);
};

describe('npm run replay against a live appliance with two agents', () => {
  let dir: string;
  let url: string;
  let appliance: ChildProcess;
  const nextEnvBefore = readFileSync(nextEnv, 'utf8');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-replay-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    appliance = spawn(process.execPath, ['--import', 'tsx', 'scripts/appliance.ts'], {
      cwd: root,
      env: {
        ...process.env,
        SLUICE_PORT: String(port),
        SLUICE_DATA_DIR: path.join(dir, 'var'),
        SLUICE_ADMIN_PASSWORD: PASSWORD,
        SLUICE_AGENTS: '2',
        SLUICE_SIM_GPUS: '2xH100-80GB',
        SLUICE_DEV: 'true', // REST needs no page build
        SLUICE_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const end = Date.now() + 170_000;
    for (;;) {
      const health = await fetch(`${url}/api/health`)
        .then((r) => (r.ok ? (r.json() as Promise<{ nodes: number; gpus: { total: number } }>) : null))
        .catch(() => null);
      if (health?.nodes === 2 && health.gpus.total === 4) break;
      if (Date.now() > end || appliance.exitCode !== null) throw new Error('the appliance did not come up with 2 nodes and 4 GPUs');
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  afterAll(async () => {
    if (appliance && appliance.exitCode === null) {
      const exited = new Promise((r) => appliance.once('exit', r));
      appliance.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (readFileSync(nextEnv, 'utf8') !== nextEnvBefore) writeFileSync(nextEnv, nextEnvBefore);
  });

  it('submits each job at its time, runs them on both nodes, and writes results and estimates', async () => {
    writeFileSync(path.join(dir, 'trace.csv'), TRACE);
    const out = path.join(dir, 'results.csv');
    const eta = path.join(dir, 'eta.csv');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/replay.ts', '--trace', path.join(dir, 'trace.csv'), '--factor', String(FACTOR), '--out', out, '--url', url, '--eta', eta, '--eta-every', '1', '--shares', 'ga=2,gb=1'],
      { cwd: root, env: { ...process.env, SLUICE_ADMIN_PASSWORD: PASSWORD }, timeout: 120_000 },
    );
    expect(stdout).toMatch(/queueing delay +mean|wait mean/);

    const rows = csv(out);
    expect(rows.map((r) => r.job_id)).toEqual(['j1', 'j2', 'j3', 'j4', 'j5', 'j6']);
    const trace = csv(path.join(dir, 'trace.csv'));
    for (const r of rows) {
      const t = trace.find((x) => x.job_id === r.job_id) as Record<string, string>;
      const [submit, start, end] = [Number(r.submit), Number(r.start), Number(r.end)];
      expect(r.state).toBe('COMPLETED');
      expect(r.gpus).toBe(t.gpus);
      expect(r.user).toBe(t.user);
      expect(r.group).toBe(t.group);
      // Submitted on time, started after submission, ran its compressed duration: the sleep lies
      // between submission and end (start is when the scheduler recorded it, a little late).
      const d = Number(t.duration_s) / FACTOR;
      expect(Math.abs(submit - Number(t.submit_time_s) / FACTOR)).toBeLessThan(1);
      expect(start).toBeGreaterThanOrEqual(submit);
      expect(end - submit).toBeGreaterThanOrEqual(d - 0.05);
      expect(end - start).toBeLessThan(d + 3);
    }
    // Jobs 3-6 could not start before 1 and 2 ended: only 4 GPUs.
    const ends12 = Math.min(...rows.slice(0, 2).map((r) => Number(r.end)));
    for (const r of rows.slice(2)) expect(Number(r.start)).toBeGreaterThanOrEqual(ends12 - 0.1);
    expect(new Set(rows.map((r) => r.node))).toEqual(new Set(['node1', 'node2']));

    // Each group became an account with its shares, and each job was charged to its group.
    const basic = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
    const { token } = (await (await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { authorization: basic } })).json()) as { token: string };
    const get = async (p: string) => (await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${token}` } })).json();
    const { jobs } = (await get('/api/v1/jobs?all=true')) as { jobs: { id: string; account: string; user: string }[] };
    for (const r of rows) expect(jobs.find((j) => j.id === r.sluice_id)).toMatchObject({ account: r.group, user: r.user });
    expect(await get('/api/v1/accounts/ga')).toMatchObject({ shares: 2, members: [{ user: 'alice' }, { user: 'carol' }] });

    const samples = csv(eta);
    expect(samples.length).toBeGreaterThan(0);
    for (const s of samples) {
      expect(['j3', 'j4', 'j5', 'j6']).toContain(s.job_id);
      expect(Number(s.t_sample)).toBeGreaterThan(0);
      expect(s.predicted_start === '' || Number.isFinite(Number(s.predicted_start))).toBe(true);
    }
  }, 150_000);

  it('measures throughput: the submission path with every node drained, then N sleep jobs until all are done', async () => {
    const out = path.join(dir, 'throughput.csv');
    // A file from an older run, with one column fewer: it gets the new header, its row padded.
    writeFileSync(out, 'time,jobs,gpus,concurrency,submit_s,submissions_per_s,done_s,jobs_per_s,ended,completed,load1\nold,1,1,1,1,1,1,1,1,1,1\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', '--throughput', '12', '--out', out, '--url', url], {
      cwd: root,
      env: { ...process.env, SLUICE_ADMIN_PASSWORD: PASSWORD },
      timeout: 120_000,
    });
    expect(stdout).toMatch(/submission path \(nodes drained, nothing runs\): [\d.]+ submissions\/s/);
    expect(stdout).toMatch(/all done [\d.]+ s after the first submission .*; 12 COMPLETED/);
    const [old, row] = csv(out);
    expect(old).toMatchObject({ time: 'old', submit_path_per_s: '' });
    expect(row).toMatchObject({ jobs: '12', gpus: '4', ended: '12', completed: '12' });
    expect(Number(row?.submit_path_per_s)).toBeGreaterThan(0);

    // The nodes are back in service and the submission path's jobs were cancelled, never run.
    const basic = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
    const { token } = (await (await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { authorization: basic } })).json()) as { token: string };
    const get = async (p: string) => (await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${token}` } })).json();
    const { nodes } = (await get('/api/v1/nodes')) as { nodes: { state: string }[] };
    expect(nodes.map((n) => n.state)).toEqual(['UP', 'UP']);
    const { jobs } = (await get('/api/v1/jobs?all=true')) as { jobs: { name: string; state: string; startedAt: string | null }[] };
    const submitPath = jobs.filter((j) => j.name.startsWith('submit-path-'));
    expect(submitPath).toHaveLength(50 + 12); // untimed warm-up first
    for (const j of submitPath) expect(j).toMatchObject({ state: 'CANCELLED', startedAt: null });
  }, 150_000);
});
