// `npm run bench:sessions`: session request -> Jupyter answering HTTP 200 through the portal,
// N cold starts in a row on a running Sluice. See docs/benchmarks.md, "Session start latency".
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '../../apps/cli/src/client';
import { type BenchArgs, formatSummary, jupyterListeningAt, parseBenchArgs, RUN_COLUMNS, type RunTimes, runCsvRow, summarize } from './session-latency/measure';

const say = (msg: string) => console.error(`[bench:sessions] ${msg}`);
const ENDED = new Set(['STOPPED', 'FAILED']);

/** Polls `probe` every `everyMs` (after each answer) until it returns a value; throws past the deadline. */
async function pollUntil<T>(probe: () => Promise<T | null>, everyMs: number, deadline: number, what: string): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function oneRun(api: ApiClient, token: string, args: BenchArgs): Promise<{ id: string; times: RunTimes; polls: number }> {
  const t0 = performance.now();
  const t0Wall = Date.now();
  const deadline = t0 + args.timeoutSec * 1000;
  const created = await api.startSession({ template: 'jupyter', gpus: args.gpus });
  const createdAt = performance.now() - t0;
  const statusUrl = new URL(`/s/${created.id}/api/status`, args.url);
  let polls = 0;
  let failed: string | null = null;
  const running = pollUntil(
    async () => {
      const s = await api.session(created.id);
      if (ENDED.has(s.state)) failed = `session ${s.id} ended (${s.state}${s.reason ? `, ${s.reason}` : ''}) before it answered`;
      return s.state === 'RUNNING' || failed ? performance.now() - t0 : null;
    },
    args.pollMs,
    deadline,
    `session ${created.id} to be RUNNING`,
  );
  const http200 = await pollUntil(
    async () => {
      if (failed) throw new Error(failed);
      polls++;
      const r = await fetch(statusUrl, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
      await r.arrayBuffer();
      return r.status === 200 ? performance.now() - t0 : null;
    },
    args.pollMs,
    deadline,
    `GET ${statusUrl.pathname} to answer 200`,
  );
  const runningAt = await running;

  const stopStart = performance.now();
  await api.stopSession(created.id);
  const ended = await pollUntil(async () => {
    const s = await api.session(created.id);
    return ENDED.has(s.state) ? s : null;
  }, 100, performance.now() + 60_000, `session ${created.id} to end`);
  const stop = performance.now() - stopStart;

  const sinceT0 = (iso: string | null | undefined) => (iso ? Date.parse(iso) - t0Wall : null);
  const listening = jupyterListeningAt((await api.logs(created.id, 0)).text);
  return {
    id: created.id,
    polls,
    times: { created: createdAt, spawned: sinceT0(ended.startedAt), listening: listening ? listening.getTime() - t0Wall : null, running: runningAt, http200, stop },
  };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), process.env);
  const login = await new ApiClient(args.url, null).login(args.user, args.password);
  const api = new ApiClient(args.url, login.token);
  const gpus = (await api.nodes()).filter((n) => n.state === 'UP').reduce((n, node) => n + node.gpus.length, 0);
  if (gpus < args.gpus) throw new Error(`the cluster has ${gpus} GPUs up; a session asks for ${args.gpus}`);
  for (const f of [args.out, args.summary]) mkdirSync(path.dirname(path.resolve(f)), { recursive: true });
  if (!existsSync(args.out)) appendFileSync(args.out, `${RUN_COLUMNS.join(',')}\n`);

  const started = new Date();
  const all: RunTimes[] = [];
  console.log('run  session  created  spawned  listening  running  http200   stop   (ms after the request)');
  for (let i = 1; i <= args.runs; i++) {
    const { id, times, polls } = await oneRun(api, login.token, args);
    all.push(times);
    appendFileSync(args.out, `${runCsvRow(new Date(), args.label, i, id, times, polls)}\n`);
    const c = (v: number | null, w: number) => (v === null ? '-' : String(Math.round(v))).padStart(w);
    console.log(`${c(i, 3)}  ${id.padStart(7)}  ${c(times.created, 7)}  ${c(times.spawned, 7)}  ${c(times.listening, 9)}  ${c(times.running, 7)}  ${c(times.http200, 7)}  ${c(times.stop, 5)}`);
  }

  const pick = (f: (t: RunTimes) => number | null) => all.flatMap((t) => (f(t) === null ? [] : [f(t) as number]));
  const gap = (a: (t: RunTimes) => number | null, b: (t: RunTimes) => number | null) => (t: RunTimes) => {
    const x = a(t);
    const y = b(t);
    return x === null || y === null ? null : y - x;
  };
  const rows: [string, (t: RunTimes) => number | null][] = [
    ['request -> 200 via portal', (t) => t.http200],
    ['request -> Jupyter spawned (API + scheduler + agent)', (t) => t.spawned],
    ['spawned -> Jupyter listening (Jupyter start)', gap((t) => t.spawned, (t) => t.listening)],
    ['listening -> session RUNNING (ready line -> DB)', gap((t) => t.listening, (t) => t.running)],
    ['RUNNING -> 200 via portal (proxy, token check)', gap((t) => t.running, (t) => t.http200)],
    ['stop (DELETE -> ended)', (t) => t.stop],
  ];
  console.log(`\nN=${args.runs}${' '.repeat(46)}median/p90/min/max (ms)`);
  for (const [name, f] of rows) console.log(`  ${name.padEnd(52)} ${formatSummary(summarize(pick(f)))}`);
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  const s = summarize(pick((t) => t.http200));
  const line =
    `${started.toISOString().slice(0, 16)}Z ${args.label} N=${args.runs} request->200 ms median ${Math.round(s.median ?? 0)} p90 ${Math.round(s.p90 ?? 0)} ` +
    `min ${Math.round(s.min ?? 0)} max ${Math.round(s.max ?? 0)} | ${rows.slice(1).map(([n, f]) => `${n.split(' (')[0]}: ${formatSummary(summarize(pick(f)))}`).join('; ')} | load1/5/15 ${load}`;
  appendFileSync(args.summary, `${line}\n`);
  console.log(`\nload average ${load}\n${line}\nper run: ${args.out}; summary: ${args.summary}`);
}

main().catch((err: unknown) => {
  say(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
