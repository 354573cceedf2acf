/**
 * The metrics of ../shared/bench/slurm/metrics.mjs, computed the same way
 * (same definitions, same nearest-rank percentiles, same contended window and
 * time-averaged Jain over 3600 s windows), so a simulator run can be compared
 * with a real Slurm run without leaving the process. Pure.
 */
export interface ResultRow {
  group: string;
  gpus: number;
  submit: number;
  start: number | null;
  end: number | null;
}

export interface Metrics {
  jobs: number;
  meanWait: number;
  p50Wait: number;
  p95Wait: number;
  maxWait: number;
  meanJct: number;
  p95Jct: number;
  makespan: number;
  /** Busy span: sum(gpus*(end-start)) / (GPUs * (max end - min start)). */
  utilization: number;
  utilizationMakespan: number;
  contendedWindow: number;
  jainConfigured: number;
  jainMaxMin: number;
  /** metrics.mjs `jain_timeavg_vs_maxmin`. */
  jainOverTime: number;
  contendedWindows: number;
  /** Mean and maximum wait of the finished jobs per size class ('1', '2', '3-4', '5-8', '9+' GPUs). */
  waitBySize: Record<string, { jobs: number; meanWait: number; maxWait: number }>;
  groups: Record<string, { jobs: number; gpuHours: number; meanWait: number; p95Wait: number; meanJct: number; windowShare: number; maxminTargetShare: number }>;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : Number.NaN);
const pct = (xs: number[], p: number) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] as number;
};
const jain = (xs: number[]) => {
  const s = xs.reduce((a, x) => a + x, 0);
  const s2 = xs.reduce((a, x) => a + x * x, 0);
  return s2 > 0 ? (s * s) / (xs.length * s2) : Number.NaN;
};
const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

function waterFill(capacity: number, demand: Record<string, number>, weight: Record<string, number>): Record<string, number> {
  const alloc: Record<string, number> = Object.fromEntries(Object.keys(demand).map((g) => [g, 0]));
  let active = Object.keys(demand).filter((g) => (demand[g] as number) > 0);
  let left = capacity;
  while (active.length && left > 1e-9) {
    const W = active.reduce((s, g) => s + (weight[g] as number), 0);
    let capped = false;
    for (const g of active) if ((alloc[g] as number) + (left * (weight[g] as number)) / W >= (demand[g] as number)) capped = true;
    if (!capped) {
      for (const g of active) alloc[g] = (alloc[g] as number) + (left * (weight[g] as number)) / W;
      left = 0;
      break;
    }
    const cut = active.filter((g) => (alloc[g] as number) + (left * (weight[g] as number)) / W >= (demand[g] as number));
    for (const g of cut) {
      left -= (demand[g] as number) - (alloc[g] as number);
      alloc[g] = demand[g] as number;
    }
    active = active.filter((g) => !cut.includes(g));
  }
  return alloc;
}

/** The size class of a job of `gpus` GPUs, as `waitBySize` keys it. */
export function sizeClass(gpus: number): string {
  return gpus <= 1 ? '1' : gpus <= 2 ? '2' : gpus <= 4 ? '3-4' : gpus <= 8 ? '5-8' : '9+';
}

function waitBySize(jobs: readonly { gpus: number; submit: number; start: number }[]): Metrics['waitBySize'] {
  const by = new Map<string, number[]>();
  for (const j of jobs) {
    const k = sizeClass(j.gpus);
    const w = by.get(k);
    if (w) w.push(j.start - j.submit);
    else by.set(k, [j.start - j.submit]);
  }
  const out: Metrics['waitBySize'] = {};
  for (const k of ['1', '2', '3-4', '5-8', '9+']) {
    const w = by.get(k);
    if (w) out[k] = { jobs: w.length, meanWait: mean(w), maxWait: w.reduce((m, x) => Math.max(m, x), 0) };
  }
  return out;
}

export function computeMetrics(rows: readonly ResultRow[], gpus: number, shares: Record<string, number> = {}, window = 3600): Metrics {
  const jobs = rows.filter(
    (r): r is ResultRow & { start: number; end: number } => r.start !== null && r.end !== null && r.submit >= 0 && r.start >= 0 && r.end >= 0,
  );
  const groups = [...new Set(jobs.map((j) => j.group))].sort();
  const weight: Record<string, number> = Object.fromEntries(groups.map((g) => [g, shares[g] ?? 1]));
  const Wsum = groups.reduce((s, g) => s + (weight[g] as number), 0);
  const waits = jobs.map((j) => j.start - j.submit);
  const jcts = jobs.map((j) => j.end - j.submit);
  let T0 = Number.POSITIVE_INFINITY;
  let Tstart = Number.POSITIVE_INFINITY;
  let Tend = Number.NEGATIVE_INFINITY;
  let gpuSec = 0;
  for (const j of jobs) {
    T0 = Math.min(T0, j.submit);
    Tstart = Math.min(Tstart, j.start);
    Tend = Math.max(Tend, j.end);
    gpuSec += j.gpus * (j.end - j.start);
  }
  const makespan = Tend - T0;
  const lastStart = new Map<string, number>();
  for (const j of jobs) lastStart.set(j.group, Math.max(lastStart.get(j.group) ?? Number.NEGATIVE_INFINITY, j.start));
  const tc = Math.min(...groups.map((g) => lastStart.get(g) as number));
  const per: Record<string, { js: typeof jobs; gpuSeconds: number; windowGpuSeconds: number; windowDemand: number }> = {};
  for (const g of groups) per[g] = { js: [], gpuSeconds: 0, windowGpuSeconds: 0, windowDemand: 0 };
  for (const j of jobs) {
    const p = per[j.group] as (typeof per)[string];
    p.js.push(j);
    p.gpuSeconds += j.gpus * (j.end - j.start);
    p.windowGpuSeconds += j.gpus * overlap(j.start, j.end, T0, tc);
    if (j.submit < tc) p.windowDemand += j.gpus * (j.end - j.start);
  }
  const winTotal = groups.reduce((s, g) => s + (per[g] as (typeof per)[string]).windowGpuSeconds, 0);
  const target = waterFill(gpus * (tc - T0), Object.fromEntries(groups.map((g) => [g, (per[g] as (typeof per)[string]).windowDemand])), weight);
  const targetTotal = groups.reduce((s, g) => s + (target[g] as number), 0);
  const inWindow = groups.filter((g) => (per[g] as (typeof per)[string]).windowDemand > 0);
  const windowShare = (g: string) => (winTotal > 0 ? (per[g] as (typeof per)[string]).windowGpuSeconds / winTotal : Number.NaN);
  const maxminShare = (g: string) => (targetTotal > 0 ? (target[g] as number) / targetTotal : Number.NaN);

  // Fairness over time (metrics.mjs timeAveragedFairness).
  const n = Math.ceil((Tend - T0) / window);
  const gi = new Map(groups.map((g, i) => [g, i]));
  const use = groups.map(() => new Float64Array(n));
  const dem = groups.map(() => new Float64Array(n));
  const spread = (arr: Float64Array, t0: number, t1: number, g: number) => {
    for (let k = Math.floor((t0 - T0) / window); k < n && T0 + k * window < t1; k++) arr[k] = (arr[k] as number) + g * overlap(t0, t1, T0 + k * window, T0 + (k + 1) * window);
  };
  for (const j of jobs) {
    const i = gi.get(j.group) as number;
    spread(use[i] as Float64Array, j.start, j.end, j.gpus);
    spread(dem[i] as Float64Array, j.submit, j.end, j.gpus);
  }
  const js: number[] = [];
  for (let k = 0; k < n; k++) {
    const d: Record<string, number> = Object.fromEntries(groups.map((g, i) => [g, (dem[i] as Float64Array)[k] as number]));
    const cap = gpus * Math.min(window, Tend - (T0 + k * window));
    if (groups.reduce((s, g) => s + (d[g] as number), 0) <= cap) continue;
    const t = waterFill(cap, d, weight);
    const r = groups.filter((g) => (t[g] as number) > 0).map((g) => ((use[gi.get(g) as number] as Float64Array)[k] as number) / (t[g] as number));
    if (r.length > 1) js.push(jain(r));
  }

  return {
    jobs: jobs.length,
    meanWait: mean(waits),
    p50Wait: pct(waits, 50),
    p95Wait: pct(waits, 95),
    maxWait: waits.length ? waits.reduce((m, w) => Math.max(m, w), Number.NEGATIVE_INFINITY) : Number.NaN,
    meanJct: mean(jcts),
    p95Jct: pct(jcts, 95),
    makespan,
    utilization: gpuSec / (gpus * (Tend - Tstart)),
    utilizationMakespan: gpuSec / (gpus * makespan),
    contendedWindow: tc - T0,
    jainConfigured: jain(inWindow.map((g) => windowShare(g) / ((weight[g] as number) / Wsum))),
    jainMaxMin: jain(inWindow.map((g) => windowShare(g) / maxminShare(g))),
    jainOverTime: js.length ? mean(js) : Number.NaN,
    contendedWindows: js.length,
    waitBySize: waitBySize(jobs),
    groups: Object.fromEntries(
      groups.map((g) => {
        const p = per[g] as (typeof per)[string];
        return [
          g,
          {
            jobs: p.js.length,
            gpuHours: p.gpuSeconds / 3600,
            meanWait: mean(p.js.map((j) => j.start - j.submit)),
            p95Wait: pct(
              p.js.map((j) => j.start - j.submit),
              95,
            ),
            meanJct: mean(p.js.map((j) => j.end - j.submit)),
            windowShare: windowShare(g),
            maxminTargetShare: maxminShare(g),
          },
        ];
      }),
    ),
  };
}
