/**
 * Metrics of a finished replay: the Slurm harness's metrics.mjs / eta-metrics.mjs when they are
 * there (the same numbers as for Slurm's runs), else the simulator's own implementation of them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { computeMetrics } from '@sluice/scheduler-core/sim';
import { type ReplayRecord, sinceOrigin } from './csv';

const root = path.resolve(import.meta.dirname, '../..');

/** The harness folder: --bench-dir, else ../shared/bench/slurm next to the project. */
export function findBenchDir(given: string | null): string | null {
  const dir = path.resolve(given ?? path.join(root, '..', 'shared', 'bench', 'slurm'));
  if (existsSync(path.join(dir, 'metrics.mjs'))) return dir;
  if (given !== null) throw new Error(`--bench-dir ${given}: no metrics.mjs there`);
  return null;
}

const runNode = (script: string, args: string[]) => {
  const r = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${path.basename(script)} failed (exit ${r.status ?? r.signal})`);
};

const sharesArg = (shares: Record<string, number>) =>
  Object.entries(shares)
    .map(([g, w]) => `${g}=${w}`)
    .join(',');

export function printMetrics(opts: {
  benchDir: string | null;
  resultsFile: string;
  etaFile: string | null;
  gpus: number;
  shares: Record<string, number>;
  records: readonly ReplayRecord[];
  originMs: number;
}): void {
  if (opts.benchDir) {
    runNode(path.join(opts.benchDir, 'metrics.mjs'), [opts.resultsFile, '--gpus', String(opts.gpus), '--shares', sharesArg(opts.shares)]);
    if (opts.etaFile) runNode(path.join(opts.benchDir, 'eta-metrics.mjs'), [opts.etaFile, opts.resultsFile]);
    return;
  }
  const rows = opts.records.map((r) => ({
    id: r.plan.traceId,
    user: r.plan.user,
    group: r.plan.group,
    gpus: r.plan.gpus,
    submit: sinceOrigin(r.view?.submittedAt, opts.originMs) ?? Number.NaN,
    start: sinceOrigin(r.view?.startedAt, opts.originMs),
    end: sinceOrigin(r.view?.endedAt, opts.originMs),
  }));
  const m = computeMetrics(rows, opts.gpus, opts.shares);
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  console.log('(metrics.mjs not found: figures from the simulator\'s implementation of it; --bench-dir DIR to use it)');
  console.log(`${m.jobs} jobs on ${opts.gpus} GPUs`);
  console.log(`  wait mean ${f(m.meanWait)} s  p50 ${f(m.p50Wait)} s  p95 ${f(m.p95Wait)} s  max ${f(m.maxWait)} s   JCT mean ${f(m.meanJct)} s`);
  console.log(`  makespan ${f(m.makespan)} s  utilisation ${f(100 * m.utilization)} % (busy span)  Jain max-min ${f(m.jainMaxMin, 4)}  configured ${f(m.jainConfigured, 4)}`);
}
