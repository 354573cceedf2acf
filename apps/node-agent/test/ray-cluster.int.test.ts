import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Db, jobLogPath } from '@sluice/db';
import { createTestDb } from '@sluice/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Daemons, eventually, startDaemons } from './appliance-processes';
import { jobAccount, TestUsers } from './unix-users';

// A real Ray cluster across two real node agents on this machine (2 simulated GPUs each): the
// head on one, a worker on the other, a Ray job using both, a worker killed and restarted by
// the scheduler, and nothing of Ray left once the session is stopped. Ray is slow to start on
// a busy 2-core machine: the waits are long, and none is a sleep.

let t: Awaited<ReturnType<typeof createTestDb>>;
let d: Daemons;
let userId: number;
const users = new TestUsers();
let unix: { name: string; uid: number };
const NODES = ['ray-a', 'ray-b'] as const;

const poke = () => fetch(`http://127.0.0.1:${d.schedulerPort}/internal/poke`, { method: 'POST', headers: { authorization: `Bearer ${d.internalSecret}` } });
const jobOf = (db: Db, id: number) => db.job.findUniqueOrThrow({ where: { id } });
const logOf = (id: number) => (existsSync(jobLogPath(t.dataDir, id)) ? readFileSync(jobLogPath(t.dataDir, id), 'utf8') : '');

/** Every process of the Ray cluster with this token (each inherits it in its environment), with its uid and node rank. */
function rayProcesses(token: string): { pid: number; uid: number; rank: string | undefined }[] {
  const found = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      if (!env.includes(`RAY_AUTH_TOKEN=${token}`)) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (/^State:\s+Z/m.test(status)) continue;
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      found.push({ pid: Number(pid), uid, rank: env.find((e) => e.startsWith('SLUICE_NODE_RANK='))?.split('=')[1] });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/**
 * POST with node:http: Node's fetch sends Sec-Fetch-Mode, which Ray's dashboard takes for a
 * browser, and it accepts only GETs from browsers (its CSRF guard).
 */
const post = (url: string, headers: Record<string, string>, body: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });

const sluiceRayLinks = () => readdirSync(tmpdir()).filter((f) => f.startsWith('sluice-ray-'));

beforeAll(async () => {
  t = await createTestDb();
  unix = jobAccount(users, 'ray');
  userId = (await t.db.user.create({ data: { username: 'raya', passwordHash: 'x', unixUser: unix.name } })).id;
  d = await startDaemons({ dataDir: t.dataDir, databaseUrl: t.databaseUrl, gpus: '2xTEST-16GB', nodeName: NODES[0], moreNodes: [NODES[1]], env: { SLUICE_HEARTBEAT_SEC: '2' } });
  await eventually(async () => (await t.db.node.count({ where: { name: { in: [...NODES] }, state: 'UP' } })) === NODES.length, 'both nodes to join');
});

afterAll(async () => {
  await d?.stop();
  await t?.cleanup();
  users.cleanup();
});

describe('a Ray cluster session across two node agents (real Ray)', () => {
  it('starts head and worker, runs a Ray job on both nodes, restarts a killed worker, and leaves nothing behind', async () => {
    const linksBefore = new Set(sluiceRayLinks());
    const job = await t.db.job.create({
      data: { userId, name: 'ray', kind: 'session', template: 'ray', command: 'ray start', gpus: 4, cpus: 2, memoryMiB: 8192, timeLimitMinutes: 30, qos: 'interactive', requeue: false },
    });
    const t0 = Date.now();
    await poke();
    const ready = await eventually(
      async () => {
        const j = await jobOf(t.db, job.id);
        if (['FAILED', 'CANCELLED', 'COMPLETED'].includes(j.state)) {
          const events = await t.db.jobEvent.findMany({ where: { jobId: job.id } });
          throw new Error(`session ended ${j.state} (${j.reason}): ${events.map((e) => `${e.type} ${e.detail}`).join('; ')}\n${logOf(job.id)}`);
        }
        return j.sessionPort && j.sessionAddress ? j : null;
      },
      'the Ray head to be up',
      300_000,
    );
    const headMs = Date.now() - t0;
    const token = ready.sessionToken ?? '';
    const base = `http://${ready.sessionHost}:${ready.sessionPort}`;
    const auth = { authorization: `Bearer ${token}` };

    // Ray's own token authentication guards the dashboard and the Jobs API.
    expect((await fetch(`${base}/api/jobs/`)).status).toBe(401);
    expect((await fetch(`${base}/api/jobs/`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(403);
    expect((await fetch(`${base}/api/version`, { headers: auth })).status).toBe(200);

    /** Ids of the cluster's live Ray nodes, as its dashboard knows them. */
    const aliveNodes = async (): Promise<string[]> => {
      const res = await fetch(`${base}/api/v0/nodes?limit=100`, { headers: auth });
      if (!res.ok) return [];
      const body = (await res.json()) as { data?: { result?: { result?: { state?: string; node_id?: string }[] } } };
      return (body.data?.result?.result ?? []).filter((n) => n.state === 'ALIVE').map((n) => n.node_id ?? '');
    };
    const firstNodes = await eventually(async () => ((await aliveNodes()).length === 2 ? aliveNodes() : null), 'the worker to join the head', 300_000);
    const clusterMs = Date.now() - t0;

    // Every Ray process runs as the session's user, on both nodes (ranks 0 and 1).
    const procs = rayProcesses(token);
    expect(procs.length).toBeGreaterThan(4);
    expect(new Set(procs.map((p) => p.uid))).toEqual(new Set([unix.uid]));
    // Ray renames its workers (setproctitle), which may overwrite the start of their environment
    // as /proc shows it: a process whose rank is no longer readable says nothing about ranks.
    expect(new Set(procs.flatMap((p) => p.rank ?? []))).toEqual(new Set(['0', '1']));
    const links = sluiceRayLinks().filter((l) => !linksBefore.has(l));
    expect(links).toHaveLength(2);

    // A Ray job through the Jobs API: four tasks, two on each node.
    const script = readFileSync(path.join(import.meta.dirname, 'fixtures/ray/ranks_used.py'), 'utf8');
    const t1 = Date.now();
    const submitted = await post(`${base}/api/jobs/`, auth, JSON.stringify({ entrypoint: `python -c '${script.replaceAll("'", "'\\''")}'` }));
    expect(submitted.status, submitted.body).toBe(200);
    const { submission_id: submission } = JSON.parse(submitted.body) as { submission_id: string };
    const status = await eventually(
      async () => {
        const s = ((await (await fetch(`${base}/api/jobs/${submission}`, { headers: auth })).json()) as { status: string }).status;
        return ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(s) ? s : null;
      },
      'the Ray job to finish',
      300_000,
    );
    const rayJobMs = Date.now() - t1;
    const { logs } = (await (await fetch(`${base}/api/jobs/${submission}/logs`, { headers: auth })).json()) as { logs: string };
    expect(status, logs).toBe('SUCCEEDED');
    expect(logs).toContain("ranks used: ['0', '1']");

    // A worker that dies does not end the session: the scheduler restarts it and it joins again.
    const workerPid = Number(/Ray worker on ray-\w started \(pid (\d+)\)/.exec(logOf(job.id))?.[1]);
    expect(workerPid).toBeGreaterThan(0);
    const t2 = Date.now();
    process.kill(workerPid, 'SIGKILL');
    await eventually(async () => /the Ray worker on ray-\w ended \(signal SIGKILL\); restarting it in/.test(logOf(job.id)), 'the restart to be logged', 60_000);
    // A new worker node: the head's and one Ray has not seen before.
    await eventually(
      async () => {
        const now = await aliveNodes();
        return now.length === 2 && now.some((n) => !firstNodes.includes(n));
      },
      'a new worker to join',
      300_000,
    );
    const restartMs = Date.now() - t2;
    expect((await jobOf(t.db, job.id)).state).toBe('RUNNING');

    // Stopping the session stops the whole cluster: no Ray process, no link in /tmp.
    await t.db.job.update({ where: { id: job.id }, data: { stopRequested: 'Cancelled' } });
    const t3 = Date.now();
    await poke();
    await eventually(async () => (await jobOf(t.db, job.id)).state === 'CANCELLED', 'the session to stop', 120_000);
    await eventually(async () => rayProcesses(token).length === 0, 'every Ray process to be gone', 60_000);
    const stopMs = Date.now() - t3;
    await eventually(async () => links.every((l) => !sluiceRayLinks().includes(l)), 'the links to go', 30_000);
    expect(statSync(`${t.dataDir}/nodes/ray-a/jobs/job-${job.id}/ray`).uid).toBe(unix.uid);
    console.log(`ray-cluster: head ready ${headMs} ms, worker joined ${clusterMs} ms after the start, Ray job ${rayJobMs} ms, worker restart ${restartMs} ms, stop ${stopMs} ms`);
  }, 900_000);
});
