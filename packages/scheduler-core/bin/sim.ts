#!/usr/bin/env -S npx tsx
/**
 * Trace simulator CLI: replays a trace through the real scheduling core in
 * virtual time and writes results and run segments as CSV.
 *
 *   npx tsx packages/scheduler-core/bin/sim.ts --trace FILE --cluster 32x8 \
 *     --policy fairshare|fifo --out results.csv --segments segments.csv \
 *     [--shares g1=2,g2=1] [--time-limit slurm|exact] [--factor 60] \
 *     [--checkpoint] [--no-preempt] [--half-life SEC] [--max-age SEC] \
 *     [--quantum SEC] [--cycle SEC] [--calc-period SEC] [--exact-fit-depth N]
 *     [--no-account-heads] [--weights fairshare=W,age=W,jobSize=W,qos=W]
 *     [--eta FILE [--eta-every SEC]] [--starvation-limits N]
 *     [--jitter N [--jitter-submit SEC] [--jitter-run SEC]] [--json]
 *
 * Times in the outputs are seconds from the start of the trace (divided by
 * --factor, like the Slurm harness's replay). The last line with --json is
 * one JSON object with the metrics of ../shared/bench/slurm/metrics.mjs (and,
 * with --eta, those of eta-metrics.mjs on the estimates sampled every
 * --eta-every seconds, default 5, like `npm run replay -- --eta`).
 *
 * `--jitter N` replays the trace N times (seeds 1..N) with live-like noise: each
 * submission reaches the scheduler up to --jitter-submit (0.5) s late and each
 * run holds its GPUs up to --jitter-run (2) s longer, uniformly (a live run's
 * hand-over from one job's exit to the next job's start averages ~1 s), and
 * prints the mean and range of every metric over the replays.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type DeepPartial, mergeConfig, type SchedulerConfig } from '../src/config';
import { computeEtaMetrics, computeMetrics, etaCsv, parseTrace, resultsCsv, type SimOptions, type SimResult, segmentsCsv, simulate } from '../src/sim/index';

interface Args {
  trace: string;
  cluster: string;
  policy: 'fairshare' | 'fifo';
  out: string | null;
  segments: string | null;
  shares: Record<string, number>;
  timeLimit: 'slurm' | 'exact';
  factor: number;
  checkpoint: boolean;
  preempt: boolean;
  json: boolean;
  eta: string | null;
  etaEvery: number;
  jitter: number;
  jitterSubmit: number;
  jitterRun: number;
  over: DeepPartial<SchedulerConfig>;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    trace: '',
    cluster: '32x8',
    policy: 'fairshare',
    out: null,
    segments: null,
    shares: {},
    timeLimit: 'slurm',
    factor: 1,
    checkpoint: false,
    preempt: true,
    json: false,
    eta: null,
    etaEvery: 5,
    jitter: 0,
    jitterSubmit: 0.5,
    jitterRun: 2,
    over: {},
  };
  const num = (v: string | undefined, k: string) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n)) throw new Error(`${k} needs a number`);
    return n;
  };
  const pri: DeepPartial<SchedulerConfig['priority']> = {};
  const pre: DeepPartial<SchedulerConfig['preemption']> = {};
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i] as string;
    const v = () => argv[++i];
    switch (k) {
      case '--trace': a.trace = v() ?? ''; break;
      case '--cluster': a.cluster = v() ?? ''; break;
      case '--policy': {
        const p = v();
        if (p !== 'fairshare' && p !== 'fifo') throw new Error('--policy is fairshare or fifo');
        a.policy = p;
        break;
      }
      case '--out': a.out = v() ?? null; break;
      case '--segments': a.segments = v() ?? null; break;
      case '--shares':
        for (const kv of (v() ?? '').split(',').filter(Boolean)) {
          const [g, w] = kv.split('=');
          if (g) a.shares[g] = num(w, '--shares');
        }
        break;
      case '--time-limit': {
        const t = v();
        if (t !== 'slurm' && t !== 'exact') throw new Error('--time-limit is slurm or exact');
        a.timeLimit = t;
        break;
      }
      case '--factor': a.factor = num(v(), k); break;
      case '--checkpoint': a.checkpoint = true; break;
      case '--no-preempt': a.preempt = false; break;
      case '--json': a.json = true; break;
      case '--half-life': a.over.fairshare = { halfLifeSec: num(v(), k) }; break;
      case '--max-age': pri.maxAgeSec = num(v(), k); break;
      case '--calc-period': pri.calcPeriodSec = num(v(), k); break;
      case '--quantum': pre.sliceQuantumSec = num(v(), k); break;
      case '--min-runtime': pre.minRuntimeSec = num(v(), k); break;
      case '--cycle': a.over.cycleSec = num(v(), k); break;
      case '--exact-fit-depth': a.over.backfill = { exactFitDepth: num(v(), k) }; break;
      case '--no-account-heads': pri.accountHeadsFirst = false; break;
      case '--starvation-limits': pri.starvationLimits = num(v(), k); break;
      case '--jitter': a.jitter = num(v(), k); break;
      case '--jitter-submit': a.jitterSubmit = num(v(), k); break;
      case '--jitter-run': a.jitterRun = num(v(), k); break;
      case '--weights': {
        const w: Record<string, number> = {};
        for (const kv of (v() ?? '').split(',').filter(Boolean)) {
          const [f, x] = kv.split('=');
          if (f !== 'fairshare' && f !== 'age' && f !== 'jobSize' && f !== 'qos') throw new Error('--weights takes fairshare, age, jobSize, qos');
          w[f] = num(x, '--weights');
        }
        pri.weights = w;
        break;
      }
      case '--eta': a.eta = v() ?? null; break;
      case '--eta-every': a.etaEvery = num(v(), k); break;
      default: throw new Error(`unknown argument ${k}`);
    }
  }
  if (!a.trace) throw new Error('--trace FILE is required');
  if (!/^\d+x\d+$/.test(a.cluster)) throw new Error('--cluster is NODESxGPUS, e.g. 32x8');
  if (a.jitter > 0 && (a.out || a.segments || a.eta)) throw new Error('--jitter averages replays: it writes no --out, --segments or --eta file');
  a.over.priority = pri;
  a.over.preemption = { ...pre, enabled: a.preempt && a.policy === 'fairshare' };
  if (a.policy === 'fifo') a.over.queueOrder = 'fifo';
  // A trace's durations are what the jobs really ran: no QOS wall-time cap applies.
  a.over.qos = { batch: { maxWallSec: null } };
  a.over.explainDetail = false;
  return a;
}

function main(): void {
  const args = parseArgs(process.argv);
  const [nodes, gpusPerNode] = args.cluster.split('x').map(Number) as [number, number];
  const config = mergeConfig(args.over);
  const trace = parseTrace(readFileSync(args.trace, 'utf8'));
  const options = (seed: number): SimOptions => ({
    nodes,
    gpusPerNode,
    config,
    shares: args.shares,
    timeLimit: args.timeLimit,
    factor: args.factor,
    checkpoint: args.checkpoint,
    etaEverySec: args.eta ? args.etaEvery : 0,
    ...(seed > 0 ? { jitter: { seed, submitSec: args.jitterSubmit, runSec: args.jitterRun } } : {}),
  });
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const policy = `${args.policy}, time limits ${args.timeLimit}${args.factor !== 1 ? `, factor ${args.factor}` : ''}`;
  if (args.jitter > 0) {
    const runs = Array.from({ length: args.jitter }, (_, k) => summarize(args, simulate(trace, options(k + 1)), nodes * gpusPerNode, 0));
    const replays = averageReplays(runs);
    console.log(`${args.trace}: ${args.jitter} jittered replays on ${args.cluster} (${policy}; submissions +0-${args.jitterSubmit} s, runs +0-${args.jitterRun} s)`);
    for (const [k, r] of Object.entries(replays)) console.log(`  ${k.padEnd(20)} mean ${f(r.mean, 4)}  min ${f(r.min, 4)}  max ${f(r.max, 4)}`);
    if (args.json) console.log(JSON.stringify({ trace: args.trace, cluster: args.cluster, policy: args.policy, factor: args.factor, replays: args.jitter, ...replays }));
    return;
  }
  const t0 = performance.now();
  const res = simulate(trace, options(0));
  const wallMs = performance.now() - t0;
  if (args.out) writeFileSync(args.out, resultsCsv(res.jobs));
  if (args.segments) writeFileSync(args.segments, segmentsCsv(res.segments));
  if (args.eta) writeFileSync(args.eta, etaCsv(res.eta));
  const summary = summarize(args, res, nodes * gpusPerNode, wallMs);
  const m = computeMetrics(res.jobs, nodes * gpusPerNode, args.shares);
  const e = args.eta ? computeEtaMetrics(res.eta, res.jobs) : null;
  console.log(`${args.trace}: ${m.jobs} jobs on ${args.cluster} (${policy})`);
  console.log(`  wait mean ${f(m.meanWait)} s  p50 ${f(m.p50Wait)} s  p95 ${f(m.p95Wait)} s  max ${f(m.maxWait)} s   JCT mean ${f(m.meanJct)} s`);
  console.log(`  mean wait by size (GPUs): ${Object.entries(m.waitBySize).map(([k, w]) => `${k}: ${f(w.meanWait)} s (max ${f(w.maxWait, 0)}, ${w.jobs} jobs)`).join('  ')}`);
  console.log(`  makespan ${f(m.makespan)} s  utilisation ${f(100 * m.utilization)} % (busy span)  Jain max-min ${f(m.jainMaxMin, 4)}  over time ${f(m.jainOverTime, 4)}`);
  console.log(`  preemptions ${res.preemptions} (${f(res.preemptedGpuSeconds / 3600, 1)} GPU-h cut short)  cycles ${res.cycles}  unfinished ${res.unfinished}  wall ${f(wallMs / 1000, 2)} s`);
  if (e) console.log(`  estimates every ${args.etaEvery} s: ${e.pairs} (sample, pending job) pairs, coverage ${f(100 * e.coverage)} %, |error| p50 ${f(e.absErrP50)} s  p90 ${f(e.absErrP90)} s`);
  if (args.json) console.log(JSON.stringify({ ...summary, ...(e ? { eta: e } : {}) }));
}

/** The --json metrics of one run. */
function summarize(args: Args, res: SimResult, gpus: number, wallMs: number) {
  const m = computeMetrics(res.jobs, gpus, args.shares);
  return {
    trace: args.trace,
    cluster: args.cluster,
    policy: args.policy,
    timeLimit: args.timeLimit,
    factor: args.factor,
    checkpoint: args.checkpoint,
    jobs: m.jobs,
    unfinished: res.unfinished,
    meanWait: m.meanWait,
    p50Wait: m.p50Wait,
    p95Wait: m.p95Wait,
    maxWait: m.maxWait,
    meanJct: m.meanJct,
    p95Jct: m.p95Jct,
    makespan: m.makespan,
    utilization: m.utilization,
    utilizationMakespan: m.utilizationMakespan,
    jainConfigured: m.jainConfigured,
    jainMaxMin: m.jainMaxMin,
    jainOverTime: m.jainOverTime,
    contendedWindows: m.contendedWindows,
    waitBySize: Object.fromEntries(Object.entries(m.waitBySize).map(([k, w]) => [k, w.meanWait])),
    preemptions: res.preemptions,
    preemptedGpuHours: res.preemptedGpuSeconds / 3600,
    cycles: res.cycles,
    wallMs: Math.round(wallMs),
  };
}

/** Mean, min and max over the replays of every numeric metric (mean wait by size as `wait <size>`). */
function averageReplays(runs: ReturnType<typeof summarize>[]): Record<string, { mean: number; min: number; max: number }> {
  const keys = ['meanWait', 'p95Wait', 'maxWait', 'makespan', 'utilization', 'jainMaxMin', 'jainOverTime', 'preemptions', 'unfinished'] as const;
  const columns = new Map<string, number[]>();
  const add = (k: string, x: number) => {
    const xs = columns.get(k);
    if (xs) xs.push(x);
    else columns.set(k, [x]);
  };
  for (const r of runs) {
    for (const k of keys) add(k, r[k]);
    for (const [size, w] of Object.entries(r.waitBySize)) add(`wait ${size} GPUs`, w);
  }
  const out: Record<string, { mean: number; min: number; max: number }> = {};
  for (const [k, xs] of columns) out[k] = { mean: xs.reduce((a, x) => a + x, 0) / xs.length, min: Math.min(...xs), max: Math.max(...xs) };
  return out;
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
