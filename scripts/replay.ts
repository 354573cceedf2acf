// `npm run replay`: replays a workload trace on a running Sluice through REST v1 (real jobs,
// real time) and measures it like the Slurm benchmark harness; or measures raw throughput.
// See docs/benchmarks.md.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseTrace } from '@sluice/scheduler-core/sim';
import { parseReplayArgs, type ReplayArgs } from './replay/args';
import { ReplayClient } from './replay/client';
import { ETA_HEADER, resultsCsv } from './replay/csv';
import { type PlannedJob, planAccounts, planReplay } from './replay/plan';
import { findBenchDir, printMetrics } from './replay/report';
import { runReplay } from './replay/runner';
import { measureSubmitPath } from './replay/submit-path';
import { setUpReplay } from './replay/setup';

const say = (msg: string) => console.error(`[replay] ${msg}`);

/**
 * How often a throughput run looks at its jobs. The end time comes from the jobs' own end times,
 * not from when they were seen; a list of a thousand jobs costs the portal a few hundred ms of
 * CPU, which every second would take from the work being measured.
 */
const THROUGHPUT_POLL_SEC = 5;

async function clusterGpus(admin: ReplayClient): Promise<number> {
  const nodes = (await admin.nodes()).filter((n) => n.state === 'UP');
  const gpus = nodes.reduce((n, node) => n + node.gpus.length, 0);
  say(`cluster: ${nodes.length} nodes up, ${gpus} GPUs (${nodes.map((n) => `${n.name}:${n.gpus.length}`).join(' ')})`);
  if (gpus === 0) throw new Error('no GPUs up: start Sluice with nodes first (e.g. SLUICE_AGENTS=4 SLUICE_SIM_GPUS=8 npm start)');
  return gpus;
}

async function replayTrace(args: ReplayArgs & { trace: string; out: string }, admin: ReplayClient): Promise<void> {
  const benchDir = findBenchDir(args.benchDir);
  const jobs = planReplay(parseTrace(readFileSync(args.trace, 'utf8')), args.factor);
  const accounts = planAccounts(jobs, args.shares);
  const shares = Object.fromEntries(accounts.accounts);
  const gpus = await clusterGpus(admin);
  const last = jobs.at(-1)?.at ?? 0;
  say(`${jobs.length} jobs from ${args.trace}, factor ${args.factor}: submissions over ${last.toFixed(0)} s`);
  const setup = await setUpReplay(admin, args.user, args.password, accounts, say);
  const run = await runReplay(jobs, {
    clientFor: (j: PlannedJob) => setup.clients.get(j.user) as ReplayClient,
    admin,
    accounts: setup.accounts,
    concurrency: args.concurrency,
    pollEverySec: args.pollEverySec,
    pollWhileSubmitting: true,
    sampleEta: args.eta !== null,
    say,
  });
  writeFileSync(args.out, resultsCsv(run.records, run.originMs));
  if (args.eta) writeFileSync(args.eta, `${[ETA_HEADER, ...run.etaRows].join('\n')}\n`);
  const late = Math.max(0, ...run.records.map((r) => (r.sentAt ?? 0) - r.plan.at));
  const failed = run.records.filter((r) => r.error !== null).length;
  say(`results: ${args.out}${args.eta ? `, start-time estimates: ${args.eta} (${run.etaRows.length} samples)` : ''}`);
  say(`largest submission lateness ${late.toFixed(3)} s${failed ? `; ${failed} jobs could not be submitted` : ''}`);
  printMetrics({ benchDir, resultsFile: args.out, etaFile: args.eta, gpus, shares, records: run.records, originMs: run.originMs });
  if (!run.complete) process.exit(130);
}

async function throughput(args: ReplayArgs & { throughput: number }, admin: ReplayClient): Promise<void> {
  const gpus = await clusterGpus(admin);
  const n = args.throughput;
  say(`submission path: ${n} jobs while every node is drained`);
  const submitPath = await measureSubmitPath(admin, n, args.concurrency);
  const jobs: PlannedJob[] = Array.from({ length: n }, (_, i) => ({
    traceId: String(i + 1),
    user: args.user,
    group: '',
    gpus: 1,
    at: 0,
    seconds: 1,
    command: 'sleep 1',
    timeLimitMinutes: 1,
    name: `throughput-${i + 1}`,
  }));
  const run = await runReplay(jobs, { clientFor: () => admin, admin, accounts: false, concurrency: args.concurrency, pollEverySec: THROUGHPUT_POLL_SEC, pollWhileSubmitting: false, sampleEta: false, say });
  const ends = run.records.flatMap((r) => (r.view?.endedAt ? [Date.parse(r.view.endedAt)] : []));
  const allEnded = ends.length === n;
  const done = allEnded ? (Math.max(...ends) - run.originMs) / 1000 : Number.NaN;
  const completed = run.records.filter((r) => r.view?.state === 'COMPLETED').length;
  const rate = n / run.lastAnswerSec;
  console.log(`throughput: ${n} one-GPU jobs on ${gpus} GPUs, ${args.concurrency} requests in flight`);
  console.log(`  submission path (nodes drained, nothing runs): ${submitPath.toFixed(1)} submissions/s`);
  console.log(`  ${n} x "sleep 1" submitted in ${run.lastAnswerSec.toFixed(2)} s: ${rate.toFixed(1)} submissions/s while they run`);
  if (allEnded) console.log(`  all done ${done.toFixed(2)} s after the first submission (${(n / done).toFixed(1)} jobs/s; ideal ${(n / gpus).toFixed(1)} s); ${completed} COMPLETED`);
  else console.log(`  NOT done: only ${ends.length} of ${n} jobs ended (${completed} COMPLETED)`);
  // Other work on the machine slows both the portal and the jobs: say how busy it was.
  const load1 = loadavg()[0] ?? 0;
  console.log(`  load average (1 min) at the end: ${load1.toFixed(2)} on ${availableParallelism()} CPUs`);
  if (args.out) {
    const header = 'time,jobs,gpus,concurrency,submit_s,submissions_per_s,done_s,jobs_per_s,ended,completed,load1,submit_path_per_s';
    const line = [
      new Date(run.originMs).toISOString(),
      n,
      gpus,
      args.concurrency,
      run.lastAnswerSec.toFixed(2),
      rate.toFixed(1),
      allEnded ? done.toFixed(2) : '',
      allEnded ? (n / done).toFixed(1) : '',
      ends.length,
      completed,
      load1.toFixed(2),
      submitPath.toFixed(1),
    ].join(',');
    appendCsvRow(args.out, header, line);
  }
  if (!run.complete) process.exit(130);
}

/** Appends a row; a file whose header has fewer columns (an older run's) gets this header, its rows padded with empty fields. */
function appendCsvRow(file: string, header: string, row: string): void {
  if (!existsSync(file)) {
    writeFileSync(file, `${header}\n${row}\n`);
    return;
  }
  const [first = '', ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
  if (first === header) {
    appendFileSync(file, `${row}\n`);
    return;
  }
  const pad = ','.repeat(Math.max(0, header.split(',').length - first.split(',').length));
  writeFileSync(file, `${[header, ...rows.map((r) => r + pad), row].join('\n')}\n`);
}

async function main(): Promise<void> {
  const args = parseReplayArgs(process.argv.slice(2), process.env);
  const anonymous = new ReplayClient(args.url, null);
  const login = await anonymous.login(args.user, args.password).catch((err: unknown) => {
    if (err instanceof TypeError) throw new Error(`no Sluice answers at ${args.url} (${String(err.cause ?? err.message)}): start one first, e.g. SLUICE_AGENTS=4 SLUICE_SIM_GPUS=8 npm start`);
    throw err;
  });
  const admin = anonymous.withToken(login.token);
  if (args.throughput !== null) await throughput({ ...args, throughput: args.throughput }, admin);
  else await replayTrace({ ...args, trace: args.trace as string, out: args.out as string }, admin);
}

main().catch((err: unknown) => {
  console.error(`[replay] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
