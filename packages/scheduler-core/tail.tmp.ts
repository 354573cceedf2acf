import { readFileSync } from 'node:fs';
import { mergeConfig } from './src/config';
import { parseTrace, simulate } from './src/sim/index';
const trace = parseTrace(readFileSync('/work/shared/bench/slurm/traces/synth-300.csv', 'utf8'));
const over = JSON.parse(process.argv[2]!);
const cfg = mergeConfig(over, mergeConfig({ explainDetail: false, fairshare: { halfLifeSec: 600 }, priority: { maxAgeSec: 600 } }));
const r = simulate(trace, { nodes: 4, gpusPerNode: 8, config: cfg, factor: 60, timeLimit: 'slurm' });
const T = Math.max(...r.jobs.map((j) => j.end ?? 0));
for (let t = 800; t < T; t += 20) {
  let busy = 0;
  for (const s of r.segments) busy += s.gpus * Math.max(0, Math.min(t + 20, s.end) - Math.max(t, s.start));
  const waiting = r.jobs.filter((j) => j.submit <= t && (j.start ?? 1e9) > t);
  const work = waiting.reduce((s, j) => s + j.gpus * ((j.end ?? 0) - (j.start ?? 0)), 0);
  console.log(String(t).padStart(5), (busy / 20).toFixed(1).padStart(5), 'pend', waiting.length, 'work', work.toFixed(0), waiting.map((j) => `${j.gpus}x${((j.end ?? 0) - (j.start ?? 0)).toFixed(0)}`).join(' '));
}
