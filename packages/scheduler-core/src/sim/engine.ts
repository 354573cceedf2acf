/**
 * The simulator: replays a trace in virtual time through the very same
 * `runCycle`, with the daemon's cadence: a cycle on every submit and finish
 * (and right after preemptions), plus periodic cycles every `cycleSec` on a
 * fixed grid. Periodic cycles before the `wakeAt` of the last result are
 * skipped: the core guarantees they would decide nothing new, so skipping
 * them changes no decision and makes a week of trace take seconds.
 *
 * The applier here re-checks every start (a GPU must be free) and throws on
 * any over-allocation. Usage is charged like Slurm's PriorityCalcPeriod: at
 * each calculation-period boundary, running jobs are charged up to it and the
 * ledger decays with the configured half-life.
 *
 * Preempted jobs are requeued with their original submit time and rerun from
 * scratch (no checkpoint: the honest default; `checkpoint: true` resumes).
 */
import { emptyLedger, type UsageCharge, type UsageLedger, updateLedger } from '../accounts/usage';
import type { SchedulerConfig } from '../config';
import { estimateStarts, shownEstimates } from '../estimate';
import { seededRng } from '../rng';
import { runCycle } from '../run-cycle';
import type { AccountSpec, ClusterSnapshot, EpochMs, GpuSlot, NodeSnapshot, PendingJob, Placement, PreemptReason, RunningJob } from '../types';
import { TimeHeap } from './heap';
import type { TraceJob } from './trace';

export interface SimOptions {
  nodes: number;
  gpusPerNode: number;
  config: SchedulerConfig;
  /** Fair-share weight per group (default 1). */
  shares?: Record<string, number>;
  /** `slurm`: limit = ceil((duration + 5) / 60) minutes; `exact`: the true duration. */
  timeLimit?: 'slurm' | 'exact';
  /** Divide trace times by this (the Slurm harness replays at factor 60). Default 1. */
  factor?: number;
  /** Preempted jobs resume (true) or rerun from scratch (false, default). */
  checkpoint?: boolean;
  gpuModel?: string;
  /**
   * Sample every pending job's estimated start this often (seconds of simulated time), the
   * way the live replay polls the portal: the daemon's estimate (`estimateStarts` each cycle,
   * else the cycle's reservation time) as published by the last cycle, never before the
   * sample. 0 or absent = off (estimates cost time).
   */
  etaEverySec?: number;
  /**
   * Live-like noise, seeded: each submission reaches the scheduler up to `submitSec` late and
   * each run lasts up to `runSec` longer (launch and teardown), uniformly. Absent = none.
   */
  jitter?: { seed: number; submitSec: number; runSec: number };
}

/** One (sample, pending job) pair: seconds; `predicted` null = no estimate. */
export interface EtaSample {
  t: number;
  jobId: string;
  predicted: number | null;
}

export interface SimJobResult {
  id: string;
  user: string;
  group: string;
  gpus: number;
  /** Seconds. */
  submit: number;
  /** Start of the final (completed) run, or null if it never ran. */
  start: number | null;
  end: number | null;
  preemptions: number;
}

export interface SimSegment {
  jobId: string;
  node: string;
  gpus: number;
  start: number;
  end: number;
}

export interface SimPreemption {
  /** Seconds. */
  at: number;
  jobId: string;
  forJobId: string;
  reason: PreemptReason;
}

export interface SimResult {
  jobs: SimJobResult[];
  segments: SimSegment[];
  /** Every preemption, in order. */
  preemptionLog: SimPreemption[];
  cycles: number;
  preemptions: number;
  /** GPU-seconds of runs cut short by preemption (lost work without checkpoints). */
  preemptedGpuSeconds: number;
  /** Jobs that never finished (unplaceable or stuck). */
  unfinished: number;
  /** With `etaEverySec`: every pending job's published estimate at every sample. */
  eta: EtaSample[];
}

interface Rec {
  readonly trace: TraceJob;
  readonly id: string;
  readonly submitMs: EpochMs;
  readonly durMs: number;
  readonly limitSec: number;
  remainingMs: number;
  preemptions: number;
  pending: PendingJob;
  run: RunningJob | null;
  endAt: EpochMs;
  start: number | null;
  end: number | null;
}

export function simulate(trace: readonly TraceJob[], opts: SimOptions): SimResult {
  const { config } = opts;
  const factor = opts.factor ?? 1;
  const cycleMs = config.cycleSec * 1000;
  const periodMs = config.priority.calcPeriodSec * 1000;
  const nodes = buildNodes(opts);
  const slot = new Map<string, GpuSlot>();
  const nodeOfGpu = new Map<string, string>();
  for (const n of nodes) {
    for (const g of n.gpus) {
      slot.set(g.uuid, g);
      nodeOfGpu.set(g.uuid, n.name);
    }
  }

  const noise = opts.jitter ? seededRng(opts.jitter.seed) : null;
  const recs: Rec[] = trace
    .map((t) => {
      const d = Math.max(0, t.duration) / factor;
      const limitSec = opts.timeLimit === 'exact' ? Math.max(1, Math.ceil(d)) : Math.ceil((d + 5) / 60) * 60;
      const submitMs = (t.submit / factor + (noise ? noise.next() * (opts.jitter?.submitSec ?? 0) : 0)) * 1000;
      const durMs = (d + (noise ? noise.next() * (opts.jitter?.runSec ?? 0) : 0)) * 1000;
      const rec: Rec = {
        trace: t,
        id: t.id,
        submitMs,
        durMs,
        limitSec,
        remainingMs: durMs,
        preemptions: 0,
        pending: { id: t.id, user: t.user, account: t.group, gpus: t.gpus, submittedAt: submitMs, timeLimitSec: limitSec, basePriority: 0 },
        run: null,
        endAt: 0,
        start: null,
        end: null,
      };
      return rec;
    })
    .sort((a, b) => a.submitMs - b.submitMs || (a.id < b.id ? -1 : 1));
  const byId = new Map(recs.map((r) => [r.id, r]));
  const accounts: AccountSpec[] = [...new Set(recs.map((r) => r.trace.group))].sort().map((g) => ({ name: g, shares: opts.shares?.[g] ?? 1 }));

  let pending: PendingJob[] = [];
  const running: RunningJob[] = [];
  const runIdx = new Map<string, number>();
  const finishes = new TimeHeap<Rec>();
  const segments: SimSegment[] = [];
  const preemptionLog: SimPreemption[] = [];
  let ledger: UsageLedger = emptyLedger(0);
  let accrued: UsageCharge[] = [];
  let cycles = 0;
  let preemptions = 0;
  let preemptedGpuSeconds = 0;
  const rng = seededRng(1);
  const etaMs = (opts.etaEverySec ?? 0) * 1000;
  const eta: EtaSample[] = [];
  /** What the daemon would show now: per pending job, its estimate from the last cycle. */
  const published = new Map<string, EpochMs | null>();

  const stop = (rec: Rec, t: EpochMs) => {
    const run = rec.run;
    if (!run) return;
    for (const p of run.nodes ?? [{ node: run.node, gpuUuids: run.gpuUuids }]) {
      for (const u of p.gpuUuids) (slot.get(u) as GpuSlot).jobId = null;
      segments.push({ jobId: rec.id, node: p.node, gpus: p.gpuUuids.length, start: run.startedAt / 1000, end: t / 1000 });
    }
    const i = runIdx.get(rec.id) as number;
    const last = running.pop() as RunningJob;
    if (last !== run) {
      running[i] = last;
      runIdx.set(last.id, i);
    }
    runIdx.delete(rec.id);
    const from = Math.max(run.startedAt, ledger.at);
    if (t > from) accrued.push({ account: run.account, user: run.user, gpuSeconds: (rec.trace.gpus * (t - from)) / 1000, overSec: (t - from) / 1000 });
    rec.run = null;
  };

  const start = (rec: Rec, pl: Placement, t: EpochMs) => {
    const parts = pl.nodes ?? [{ node: pl.node, gpuUuids: pl.gpuUuids }];
    let n = 0;
    for (const p of parts) {
      for (const u of p.gpuUuids) {
        const g = slot.get(u);
        if (!g || g.jobId !== null || nodeOfGpu.get(u) !== p.node) throw new Error(`applier: GPU ${u} is not free for ${rec.id} at ${t / 1000}s`);
        g.jobId = rec.id;
        n++;
      }
    }
    if (n !== rec.trace.gpus) throw new Error(`applier: ${rec.id} asked ${rec.trace.gpus} GPUs, got ${n}`);
    const run: RunningJob = {
      id: rec.id,
      user: rec.trace.user,
      account: rec.trace.group,
      node: pl.node,
      gpuUuids: pl.gpuUuids,
      startedAt: t,
      timeLimitSec: rec.limitSec,
      preemptCount: rec.preemptions,
      ...(opts.checkpoint ? { checkpointable: true } : {}),
      ...(pl.nodes ? { nodes: pl.nodes } : {}),
    };
    rec.run = run;
    rec.start = t / 1000;
    rec.endAt = t + rec.remainingMs;
    runIdx.set(rec.id, running.length);
    running.push(run);
    finishes.push(rec.endAt, rec);
  };

  const chargeTo = (t: EpochMs) => {
    const boundary = periodMs > 0 ? Math.floor(t / periodMs) * periodMs : t;
    if (boundary <= ledger.at) return;
    const charges = accrued;
    for (const r of running) {
      const from = Math.max(r.startedAt, ledger.at);
      if (boundary > from) {
        const sec = (boundary - from) / 1000;
        charges.push({ account: r.account, user: r.user, gpuSeconds: (byId.get(r.id) as Rec).trace.gpus * sec, overSec: sec });
      }
    }
    ledger = updateLedger(ledger, boundary, charges, config);
    accrued = [];
  };

  const cycle = (t: EpochMs): { acted: boolean; preempted: boolean; wakeAt: EpochMs | null } => {
    // Nothing pending: a cycle could neither start nor preempt anything (the core would return an empty plan).
    if (pending.length === 0) return { acted: false, preempted: false, wakeAt: null };
    chargeTo(t);
    const snap: ClusterSnapshot = { nodes, pending, running, accounts, usage: ledger.usage };
    const res = runCycle(snap, config, t, rng);
    cycles++;
    if (etaMs > 0) {
      published.clear();
      for (const [id, e] of Object.entries(shownEstimates(res, estimateStarts(snap, config, t), t))) published.set(id, e);
    }
    for (const p of res.plan.preempt) {
      const rec = byId.get(p.jobId);
      if (!rec?.run) throw new Error(`applier: preempting ${p.jobId}, which is not running`);
      const ran = t - rec.run.startedAt;
      preemptedGpuSeconds += (rec.trace.gpus * ran) / 1000;
      preemptionLog.push({ at: t / 1000, jobId: p.jobId, forJobId: p.forJobId, reason: p.reason });
      stop(rec, t);
      rec.preemptions++;
      preemptions++;
      if (opts.checkpoint) rec.remainingMs = Math.max(0, rec.remainingMs - ran);
      rec.pending = { ...rec.pending, preemptCount: rec.preemptions };
      pending.push(rec.pending);
    }
    if (res.plan.start.length > 0) {
      const started = new Set<string>();
      for (const pl of res.plan.start) {
        const rec = byId.get(pl.jobId);
        if (!rec || rec.run) throw new Error(`applier: cannot start ${pl.jobId}`);
        start(rec, pl, t);
        started.add(pl.jobId);
      }
      pending = pending.filter((j) => !started.has(j.id));
    }
    const acted = res.plan.start.length + res.plan.preempt.length > 0;
    return { acted, preempted: res.plan.preempt.length > 0, wakeAt: res.wakeAt ?? null };
  };

  // Time-slicing needs priority order; QOS preemption needs a QOS that may be preempted, and the
  // simulator runs every job in the default QOS; there are no guarantees to reclaim.
  const dq = config.qos[config.defaultQos];
  const canPreempt = config.preemption.enabled && (config.queueOrder === 'priority' || (dq?.canPreempt.includes(config.defaultQos) ?? false));
  const freeGpus = () => {
    let f = 0;
    for (const n of nodes) for (const g of n.gpus) if (g.jobId === null) f++;
    return f;
  };
  let si = 0;
  let nextTick = Number.POSITIVE_INFINITY;
  let nextSample = etaMs > 0 ? 0 : Number.POSITIVE_INFINITY;
  const gridAfter = (x: EpochMs) => (Math.floor(x / cycleMs) + 1) * cycleMs;
  for (;;) {
    const tSubmit = si < recs.length ? (recs[si] as Rec).submitMs : Number.POSITIVE_INFINITY;
    const tEvent = Math.min(tSubmit, finishes.peekTime(), nextTick);
    if (!Number.isFinite(tEvent)) break;
    // A sample sees the state before the events of its instant, like a poll of the portal.
    if (nextSample <= tEvent) {
      for (const j of pending) {
        const e = published.get(j.id) ?? null;
        eta.push({ t: nextSample / 1000, jobId: j.id, predicted: e === null ? null : Math.max(e, nextSample) / 1000 });
      }
      nextSample += etaMs;
      continue;
    }
    const t = tEvent;
    let event = false;
    let freed = false;
    while (finishes.peekTime() <= t) {
      const rec = finishes.pop() as Rec;
      if (!rec.run || rec.endAt > t) continue; // stale entry of a preempted run
      stop(rec, t);
      rec.end = t / 1000;
      event = true;
      freed = true;
    }
    while (si < recs.length && (recs[si] as Rec).submitMs <= t) {
      pending.push((recs[si] as Rec).pending);
      si++;
      event = true;
    }
    if (!event && t < nextTick) continue;
    // Only submissions, no GPU free, and no preemption possible: the cycle would plan nothing
    // (but when estimates are sampled it publishes the new jobs' estimates, like the daemon).
    if (!freed && t < nextTick && freeGpus() === 0 && !canPreempt && etaMs === 0) continue;
    let r = cycle(t);
    // Preempted jobs have left their GPUs: the daemon cycles again on their exit.
    for (let k = 0; k < 8 && r.preempted; k++) r = cycle(t);
    nextTick = r.wakeAt === null ? Number.POSITIVE_INFINITY : r.wakeAt <= t ? gridAfter(t) : Math.ceil(r.wakeAt / cycleMs) * cycleMs;
    if (nextTick <= t) nextTick = gridAfter(t);
  }

  const jobs: SimJobResult[] = trace.map((t) => {
    const rec = byId.get(t.id) as Rec;
    return {
      id: t.id,
      user: t.user,
      group: t.group,
      gpus: t.gpus,
      // Waits count from the submission, not from when the scheduler saw it.
      submit: t.submit / factor,
      start: rec.end === null ? null : rec.start,
      end: rec.end,
      preemptions: rec.preemptions,
    };
  });
  return { jobs, segments, preemptionLog, cycles, preemptions, preemptedGpuSeconds, unfinished: jobs.filter((j) => j.end === null).length, eta };
}

function buildNodes(opts: SimOptions): NodeSnapshot[] {
  const width = String(opts.nodes).length;
  return Array.from({ length: opts.nodes }, (_, i) => {
    const name = `node${String(i + 1).padStart(width, '0')}`;
    return {
      name,
      schedulable: true,
      gpus: Array.from({ length: opts.gpusPerNode }, (_, k) => ({ uuid: `${name}-g${k}`, index: k, model: opts.gpuModel ?? 'gpu', jobId: null })),
    };
  });
}
