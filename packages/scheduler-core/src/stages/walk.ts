/**
 * Stage 4, the queue walk: jobs in queue order, each through quota, then
 * placement (scorers: best fit, NVLink), committing starts as it goes. A job
 * that does not fit gets a reservation while the reservation depth lasts
 * (the highest-priority blocked jobs); later jobs may only start where they
 * delay no reservation (backfill). After this stage the plan's starts are
 * final; preemption only looks at what stayed blocked.
 */
import type { PendingReason } from '@sluice/contracts';
import { planGang, planSingle } from '../backfill/plan-reservation';
import type { ReservationBook } from '../backfill/reservations';
import type { Alloc, AllocPart, ClusterState } from '../cluster/state';
import type { CycleContext, JobView } from '../context';
import { findCpuOnly, findFraction, findGang, findSingle, type NodeVeto } from '../placement/find';
import { usableSize } from '../placement/shape';
import type { EpochMs, Placement } from '../types';
import { type JobForm, jobForm } from './filter';
import type { QuotaBook } from './quota';
import { Verdicts } from './verdicts';

export interface WalkOutcome {
  starts: Placement[];
  verdicts: Verdicts;
  /** Jobs blocked for lack of GPUs (not by quota or reservations), in queue order. */
  blocked: JobView[];
  /** The start cap was hit: more could start in the next cycle. */
  truncated: boolean;
}

export interface WalkOptions {
  /** Jobs already started this cycle (exact fits): skipped, and counted against the start cap. */
  started?: ReadonlySet<string>;
  /**
   * A dry run that only wants the reservations of the first `reserveFor` jobs of the queue:
   * it stops after them, or once the reservation depth is used up.
   */
  reserveFor?: number;
}

export function walkQueue(
  ctx: CycleContext,
  order: readonly JobView[],
  staticReasons: readonly (PendingReason | null)[],
  quota: QuotaBook,
  book: ReservationBook,
  options: WalkOptions = {},
): WalkOutcome {
  const { config, now, state } = ctx;
  const starts: Placement[] = [];
  const verdicts = new Verdicts(ctx.jobs.length);
  const blocked: JobView[] = [];
  let truncated = false;
  let strictBlocked = false;
  const poolLimits = quota.hasPoolLimits;
  const guarantees = quota.hasGuarantees;
  const veto = new WalkVeto(quota, book);
  const already = options.started?.size ?? 0;

  const end = Math.min(order.length, options.reserveFor ?? order.length);
  for (let k = 0; k < end; k++) {
    const v = order[k] as JobView;
    if (options.started?.has(v.id)) continue;
    const sr = staticReasons[v.index];
    if (sr) {
      verdicts.set(v, sr);
      continue;
    }
    if (starts.length + already >= config.maxStartsPerCycle || strictBlocked) {
      truncated ||= !strictBlocked;
      verdicts.set(v, 'Priority');
      continue;
    }
    const qr = quota.check(v);
    if (qr !== null) {
      verdicts.set(v, qr);
      continue;
    }
    const form = jobForm(v);
    const endAt = now + v.limitMs;
    const needsVeto = poolLimits || guarantees || book.size > 0;
    if (needsVeto) veto.reset(v, endAt, form === 'gang');
    const accept = needsVeto ? veto.fn : null;
    const parts = findParts(state, v, form, accept);
    if (parts) {
      starts.push(commitStart(ctx, quota, v, parts));
      continue;
    }
    if (needsVeto && (veto.quota || veto.guarantee || veto.reservation) && findParts(state, v, form, null) !== null) {
      verdicts.set(v, veto.guarantee ? 'QuotaGuarantee' : veto.quota ? 'QuotaMax' : 'Reservation');
      continue;
    }
    // Blocked for lack of GPUs.
    const first = blocked.length === 0;
    blocked.push(v);
    if (!config.backfill.enabled) {
      strictBlocked = true;
      verdicts.set(v, 'Resources');
      continue;
    }
    // Reservations hold GPUs: a fraction waits for a free share, a CPU-only job for cores.
    if (book.size < config.backfill.reservations && form !== 'fraction' && form !== 'cpu') {
      const plan = form === 'gang' ? planGang(state, book, v.shape, v.whole, v.limitMs) : planSingle(state, book, v.shape, v.whole, v.limitMs);
      if (plan && Number.isFinite(plan.start)) {
        book.reserve(v.id, plan.parts, plan.start, plan.start + v.limitMs);
        verdicts.set(v, 'Resources', plan.start);
        if (options.reserveFor !== undefined && book.size >= config.backfill.reservations) break;
        continue;
      }
    }
    verdicts.set(v, first ? 'Resources' : 'Priority');
  }
  return { starts, verdicts, blocked, truncated };
}

/** Start `v` on `parts` now: commit it to the cluster state and the quota counts. */
export function commitStart(ctx: CycleContext, quota: QuotaBook, v: JobView, parts: AllocPart[]): Placement {
  const pool = (parts[0] as AllocPart).node.pool;
  const borrowed = quota.hasGuarantees && quota.wouldBorrow(v, pool);
  const alloc = plannedAlloc(v, parts, ctx.now, ctx.now + v.limitMs);
  ctx.state.allocate(alloc);
  quota.started(v, pool);
  if (borrowed) quota.borrowed.add(v.id);
  return toPlacement(alloc, borrowed);
}

/** The allocation of a job planned to run on `parts` from `at` until `endAt`. */
export function plannedAlloc(v: JobView, parts: AllocPart[], at: EpochMs, endAt: EpochMs): Alloc {
  return {
    jobId: v.id,
    account: v.job.account,
    user: v.job.user,
    leaf: v.leaf,
    qos: v.qosName,
    gpus: v.fraction ?? v.whole,
    cpus: v.job.cpus ?? 0,
    memoryMiB: v.job.memoryMiB ?? 0,
    parts,
    fraction: v.fraction,
    pool: (parts[0] as AllocPart).node.pool,
    startedAt: at,
    endAt,
    preemptCount: v.preemptCount,
    checkpointable: v.job.checkpointable === true,
    stopping: false,
    planned: true,
  };
}

/**
 * The node veto of the walk, one object reused for every job (no closure per
 * job): pool limits, lenders' claims, reservations; remembers which one said no.
 */
export class WalkVeto {
  private job: JobView | null = null;
  private endAt = 0;
  private gang = false;
  quota = false;
  guarantee = false;
  reservation = false;

  constructor(
    private readonly quotaBook: QuotaBook,
    private readonly book: ReservationBook,
  ) {}

  reset(job: JobView, endAt: EpochMs, gang: boolean): void {
    this.job = job;
    this.endAt = endAt;
    this.gang = gang;
    this.quota = this.guarantee = this.reservation = false;
  }

  readonly fn: NodeVeto = (node, gpus) => {
    const v = this.job as JobView;
    const q = this.quotaBook;
    if (q.hasPoolLimits && !q.poolAllows(v, node.pool)) {
      this.quota = true;
      return false;
    }
    if (q.hasGuarantees && q.wouldBorrow(v, node.pool) && q.lendersClaim(v, node.pool)) {
      this.guarantee = true;
      return false;
    }
    if (this.book.size > 0 && !this.book.fitsNow(node, this.gang ? node.size : gpus, this.endAt, usableSize(node, v.shape.model))) {
      this.reservation = true;
      return false;
    }
    return true;
  };
}

/** Where the job fits now, by its form (placement/find.ts). */
export function findParts(state: ClusterState, v: JobView, form: JobForm, veto: NodeVeto | null): AllocPart[] | null {
  if (form === 'gang') return findGang(state, v.shape, v.whole, veto);
  let p: AllocPart | null;
  if (form === 'fraction') p = findFraction(state, v.shape, v.fraction ?? 1, veto);
  else if (form === 'cpu') p = findCpuOnly(state, v.shape, v.job.cpus ?? 0, v.job.memoryMiB ?? 0, veto);
  else p = findSingle(state, v.shape, v.whole, veto);
  return p ? [p] : null;
}

export function toPlacement(alloc: Alloc, borrowed: boolean): Placement {
  const parts = alloc.parts.map((p) => ({ node: p.node.name, gpuUuids: p.gpus.map((g) => g.uuid) }));
  const first = parts[0] as { node: string; gpuUuids: string[] };
  return {
    jobId: alloc.jobId,
    node: first.node,
    gpuUuids: first.gpuUuids,
    ...(parts.length > 1 ? { nodes: parts } : {}),
    ...(borrowed ? { borrowed: true } : {}),
    ...(alloc.fraction !== null ? { fraction: alloc.fraction } : {}),
  };
}
