import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../src/config';
import { computeEtaMetrics, computeMetrics, etaCsv, parseTrace, resultsCsv, type SimSegment, simulate, type TraceJob } from '../src/sim/index';

/** The shared benchmark harness next to the project (../shared from the repository root). */
const BENCH = resolve(import.meta.dirname, '../../../../shared/bench/slurm');

const config = mergeConfig({ explainDetail: false, qos: { batch: { maxWallSec: null } } });
const fifo = mergeConfig({ queueOrder: 'fifo', preemption: { enabled: false } }, config);

/** Largest number of GPUs any node has in use at any instant, from the run segments. */
function peakPerNode(segments: readonly SimSegment[]): number {
  const events = new Map<string, [number, number][]>();
  for (const s of segments) {
    const e = events.get(s.node) ?? [];
    e.push([s.start, s.gpus], [s.end, -s.gpus]);
    events.set(s.node, e);
  }
  let peak = 0;
  for (const e of events.values()) {
    e.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let c = 0;
    for (const [, g] of e) {
      c += g;
      peak = Math.max(peak, c);
    }
  }
  return peak;
}

/** A small seeded workload: 3 groups, uneven demand, 1-16 GPUs. */
function workload(n: number, seed = 1): TraceJob[] {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const sizes = [1, 1, 1, 2, 4, 8, 16];
  return Array.from({ length: n }, (_, i) => {
    const group = rnd() < 0.6 ? 'g1' : rnd() < 0.5 ? 'g2' : 'g3';
    return { id: `j${i}`, user: `${group}u${Math.floor(rnd() * 3)}`, group, submit: Math.floor(i * 40 * rnd()), duration: 30 + Math.floor(rnd() * 3000), gpus: sizes[Math.floor(rnd() * sizes.length)] as number };
  });
}

describe('simulator', () => {
  it('runs every job, never over-allocates a node, and each run lasts the job duration', () => {
    const trace = workload(300);
    const res = simulate(trace, { nodes: 4, gpusPerNode: 8, config });
    expect(res.unfinished).toBe(0);
    expect(peakPerNode(res.segments)).toBeLessThanOrEqual(8);
    const byId = new Map(trace.map((t) => [t.id, t]));
    for (const j of res.jobs) {
      const t = byId.get(j.id) as TraceJob;
      expect(j.start).not.toBeNull();
      expect(j.start as number).toBeGreaterThanOrEqual(j.submit);
      if (j.preemptions === 0) expect((j.end as number) - (j.start as number)).toBeCloseTo(t.duration, 6);
    }
    // Gang jobs ran on two whole nodes at once.
    const gang = res.segments.filter((s) => byId.get(s.jobId)?.gpus === 16);
    expect(gang.length).toBeGreaterThan(0);
    expect(gang.every((s) => s.gpus === 8)).toBe(true);
  });

  it('is deterministic', () => {
    const trace = workload(150, 7);
    expect(simulate(trace, { nodes: 2, gpusPerNode: 8, config })).toEqual(simulate(trace, { nodes: 2, gpusPerNode: 8, config }));
  });

  it('fair-share serves a light group sooner than FIFO does', () => {
    const trace: TraceJob[] = [
      ...Array.from({ length: 20 }, (_, i) => ({ id: `h${i}`, user: 'h', group: 'heavy', submit: 0, duration: 3600, gpus: 1 })),
      ...Array.from({ length: 5 }, (_, i) => ({ id: `l${i}`, user: 'l', group: 'light', submit: 60, duration: 600, gpus: 1 })),
    ];
    const wait = (r: ReturnType<typeof simulate>, g: string) => {
      const js = r.jobs.filter((j) => j.group === g);
      return js.reduce((s, j) => s + ((j.start as number) - j.submit), 0) / js.length;
    };
    const fs = simulate(trace, { nodes: 1, gpusPerNode: 4, config: mergeConfig({ preemption: { enabled: false } }, config) });
    const ff = simulate(trace, { nodes: 1, gpusPerNode: 4, config: fifo });
    expect(wait(fs, 'light')).toBeLessThan(wait(ff, 'light'));
    expect(computeMetrics(fs.jobs, 4).meanWait).toBeLessThanOrEqual(computeMetrics(ff.jobs, 4).meanWait);
  });

  it('requeues a preempted job: from scratch by default, from where it stopped with checkpoints', () => {
    const trace: TraceJob[] = [
      { id: 'a1', user: 'a', group: 'a', submit: 0, duration: 36_000, gpus: 1 },
      { id: 'a2', user: 'a', group: 'a', submit: 1, duration: 36_000, gpus: 1 },
      { id: 'b1', user: 'b', group: 'b', submit: 3600, duration: 600, gpus: 1 },
    ];
    for (const checkpoint of [false, true]) {
      const res = simulate(trace, { nodes: 1, gpusPerNode: 2, config, timeLimit: 'exact', checkpoint });
      expect(res.preemptionLog).toEqual([{ at: 3600, jobId: 'a2', forJobId: 'b1', reason: 'FairShareTimeSlice' }]);
      const a2 = res.jobs.find((j) => j.id === 'a2');
      expect(a2?.preemptions).toBe(1);
      expect((a2?.end as number) - (a2?.start as number)).toBe(checkpoint ? 36_000 - (3600 - 1) : 36_000);
      expect(res.jobs.find((j) => j.id === 'b1')?.start).toBe(3600);
      expect(peakPerNode(res.segments)).toBeLessThanOrEqual(2);
    }
  });

  it('gives Slurm-style minute time limits by default and exact ones on request', () => {
    // One 8-GPU job blocks the node; a 50 s job (limit 1 min) backfills in front of a 100 s one only with exact limits.
    const trace: TraceJob[] = [
      { id: 'run', user: 'x', group: 'x', submit: 0, duration: 100, gpus: 4 },
      { id: 'wide', user: 'y', group: 'y', submit: 1, duration: 100, gpus: 8 },
      { id: 'tiny', user: 'z', group: 'z', submit: 2, duration: 90, gpus: 1 },
    ];
    const slurm = simulate(trace, { nodes: 1, gpusPerNode: 8, config: fifo, timeLimit: 'slurm' });
    const exact = simulate(trace, { nodes: 1, gpusPerNode: 8, config: fifo, timeLimit: 'exact' });
    // Slurm limit of `run`: 2 min -> `wide` reserved at 120 s, `tiny` (limit 2 min) would end at 122: no backfill.
    expect(slurm.jobs.find((j) => j.id === 'tiny')?.start).toBeGreaterThan(2);
    // Exact: `wide` reserved at 100 s; `tiny` ends at 92: backfilled at once.
    expect(exact.jobs.find((j) => j.id === 'tiny')?.start).toBe(2);
  });

  it('samples the published estimate of every pending job like the live replay does (--eta)', () => {
    const trace = workload(120, 3);
    const res = simulate(trace, { nodes: 2, gpusPerNode: 8, config, etaEverySec: 300 });
    expect(simulate(trace, { nodes: 2, gpusPerNode: 8, config }).eta).toEqual([]);
    expect(res.eta.length).toBeGreaterThan(100);
    const start = new Map(res.jobs.map((j) => [j.id, j.start as number]));
    for (const s of res.eta) {
      expect(s.t % 300).toBe(0);
      // Pending at the sample: submitted before it, started after it (or it is an earlier run of a requeued job).
      expect(trace.find((t) => t.id === s.jobId)?.submit).toBeLessThanOrEqual(s.t);
      if (s.predicted !== null) expect(s.predicted).toBeGreaterThanOrEqual(s.t);
    }
    const m = computeEtaMetrics(res.eta, res.jobs);
    expect(m.coverage).toBe(1);
    expect(m.pairs).toBe(res.eta.filter((s) => s.t <= (start.get(s.jobId) as number) + 1).length);
    expect(m.absErrP50).toBeGreaterThanOrEqual(0);
    expect(etaCsv(res.eta.slice(0, 1))).toMatch(/^t_sample,job_id,predicted_start\n\d+,j\d+,\d+/);
  });

  it('compresses time like the Slurm harness (--factor)', () => {
    const res = simulate([{ id: 'j', user: 'u', group: 'g', submit: 600, duration: 120, gpus: 1 }], { nodes: 1, gpusPerNode: 1, config, factor: 60 });
    expect(res.jobs[0]).toMatchObject({ submit: 10, start: 10, end: 12 });
  });

  it('adds seeded live-like jitter: late submissions and longer runs, waits counted from the submission', () => {
    const trace = workload(120, 5);
    const jitter = { seed: 4, submitSec: 0.5, runSec: 2 };
    const a = simulate(trace, { nodes: 2, gpusPerNode: 8, config, jitter });
    expect(simulate(trace, { nodes: 2, gpusPerNode: 8, config, jitter })).toEqual(a);
    expect(simulate(trace, { nodes: 2, gpusPerNode: 8, config, jitter: { ...jitter, seed: 5 } }).jobs).not.toEqual(a.jobs);
    const byId = new Map(trace.map((t) => [t.id, t]));
    const extra: number[] = [];
    for (const j of a.jobs) {
      const t = byId.get(j.id) as TraceJob;
      expect(j.submit).toBe(t.submit);
      // The scheduler saw the job at most 0.5 s after its submission.
      expect(j.start as number).toBeGreaterThan(j.submit);
      if (j.preemptions === 0) extra.push((j.end as number) - (j.start as number) - t.duration);
    }
    expect(Math.min(...extra)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...extra)).toBeLessThanOrEqual(2);
    expect(extra.reduce((x, y) => x + y, 0) / extra.length).toBeGreaterThan(0.5);
  });
});

describe('trace and metrics', () => {
  it.skipIf(!existsSync(join(BENCH, 'metrics.mjs')))('agrees with the Slurm harness metrics.mjs on the shared synthetic trace', () => {
    const trace = parseTrace(readFileSync(join(BENCH, 'traces/synth-300.csv'), 'utf8'));
    const config60 = mergeConfig({ fairshare: { halfLifeSec: 600 }, priority: { maxAgeSec: 600 } }, config);
    const res = simulate(trace, { nodes: 4, gpusPerNode: 8, config: config60, factor: 60 });
    const dir = mkdtempSync(join(tmpdir(), 'sluice-sim-'));
    try {
      const file = join(dir, 'results.csv');
      writeFileSync(file, resultsCsv(res.jobs));
      const ref = JSON.parse(execFileSync(process.execPath, [join(BENCH, 'metrics.mjs'), file, '--gpus', '32', '--json'], { encoding: 'utf8' }));
      // Ours is computed from unrounded times, the file has millisecond precision.
      const ours = computeMetrics(res.jobs, 32);
      expect(ours.jobs).toBe(ref.jobs);
      expect(ours.meanWait).toBeCloseTo(ref.wait_mean, 2);
      expect(ours.p95Wait).toBeCloseTo(ref.wait_p95, 2);
      expect(ours.meanJct).toBeCloseTo(ref.jct_mean, 2);
      expect(ours.makespan).toBeCloseTo(ref.makespan, 2);
      expect(ours.utilization).toBeCloseTo(ref.util_busy, 4);
      expect(ours.jainMaxMin).toBeCloseTo(ref.jain_window_vs_maxmin, 4);
      expect(ours.jainOverTime).toBeCloseTo(ref.jain_timeavg_vs_maxmin, 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses the trace CSV by column name and rejects broken lines', () => {
    const t = parseTrace('job_id,user,group,submit_time_s,duration_s,gpus\n1,,g1,0,10,2\n2,u,g2,5,1,1\n');
    expect(t).toEqual([
      { id: '1', user: '', group: 'g1', submit: 0, duration: 10, gpus: 2 },
      { id: '2', user: 'u', group: 'g2', submit: 5, duration: 1, gpus: 1 },
    ]);
    expect(() => parseTrace('job_id,user,group,submit_time_s,duration_s,gpus\n1,,g,x,1,1')).toThrow(/line 2/);
    expect(() => parseTrace('id,user\n')).toThrow(/job_id/);
  });

  it('computes the metrics.mjs definitions', () => {
    const rows = [
      { group: 'a', gpus: 2, submit: 0, start: 0, end: 10 },
      { group: 'b', gpus: 2, submit: 0, start: 10, end: 20 },
      { group: 'a', gpus: 1, submit: 5, start: null, end: null },
    ];
    const m = computeMetrics(rows, 2);
    expect(m.jobs).toBe(2);
    expect(m.meanWait).toBe(5);
    expect(m.p95Wait).toBe(10);
    expect(m.meanJct).toBe(15);
    expect(m.makespan).toBe(20);
    expect(m.utilization).toBe(1);
    expect(m.waitBySize).toEqual({ '2': { jobs: 2, meanWait: 5, maxWait: 10 } });
    expect(computeMetrics([{ group: 'a', gpus: 4, submit: 0, start: 3, end: 9 }, { group: 'a', gpus: 3, submit: 1, start: 2, end: 9 }, { group: 'a', gpus: 16, submit: 0, start: 0, end: 9 }], 32).waitBySize).toEqual({
      '3-4': { jobs: 2, meanWait: 2, maxWait: 3 },
      '9+': { jobs: 1, meanWait: 0, maxWait: 0 },
    });
    // Contended window [0, 0]: neither group used anything in it -> Jain of 0/0 is undefined.
    expect(m.contendedWindow).toBe(0);
  });
});
