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
import type { Alloc, AllocPart, NodeState } from '../cluster/state';
import type { CycleContext, JobView } from '../context';
import { findFraction, findGang, findSingle, type NodeVeto } from '../placement/find';
import { usableSize } from '../placement/shape';
import type { EpochMs, Placement } from '../types';
import { jobForm } from './filter';
import type { QuotaBook } from './quota';

export interface Verdict {
  reason: PendingReason;
  estimatedStart: EpochMs | null;
  detail?: string;
}

export interface WalkOutcome {
  starts: Placement[];
  verdicts: Map<string, Verdict>;
  /** Jobs blocked for lack of GPUs (not by quota or reservations), in queue order. */
  blocked: JobView[];
  /** The start cap was hit: more could start in the next cycle. */
  truncated: boolean;
}

export function walkQueue(
  ctx: CycleContext,
  order: readonly JobView[],
  staticReasons: ReadonlyMap<string, PendingReason>,
  quota: QuotaBook,
  book: ReservationBook,
): WalkOutcome {
  const { config, now, state } = ctx;
  const starts: Placement[] = [];
  const verdicts = new Map<string, Verdict>();
  const blocked: JobView[] = [];
  let truncated = false;
  let strictBlocked = false;
  const poolLimits = quota.hasPoolLimits;
  const guarantees = quota.hasGuarantees;

  for (const v of order) {
    const sr = staticReasons.get(v.id);
    if (sr !== undefined) {
      verdicts.set(v.id, { reason: sr, estimatedStart: null });
      continue;
    }
    if (starts.length >= config.maxStartsPerCycle || strictBlocked) {
      truncated ||= !strictBlocked;
      verdicts.set(v.id, { reason: 'Priority', estimatedStart: null });
      continue;
    }
    const qr = quota.check(v);
    if (qr !== null) {
      verdicts.set(v.id, { reason: qr, estimatedStart: null });
      continue;
    }
    const form = jobForm(v);
    const endAt = now + v.limitMs;
    const timeFit = config.placement.timeAwareCandidates > 1 ? { endAt, now, candidates: config.placement.timeAwareCandidates } : null;
    let vetoQuota = false;
    let vetoGuarantee = false;
    let vetoReservation = false;
    const needsVeto = poolLimits || guarantees || book.size > 0;
    const accept: NodeVeto | null = needsVeto
      ? (node: NodeState, gpus: number) => {
          if (poolLimits && !quota.poolAllows(v, node.pool)) {
            vetoQuota = true;
            return false;
          }
          if (guarantees && quota.wouldBorrow(v, node.pool) && quota.lendersClaim(v, node.pool)) {
            vetoGuarantee = true;
            return false;
          }
          if (book.size > 0 && !book.fitsNow(node, form === 'gang' ? node.size : gpus, endAt, usableSize(node, v.shape.model))) {
            vetoReservation = true;
            return false;
          }
          return true;
        }
      : null;
    const find = (veto: NodeVeto | null): AllocPart[] | null => {
      if (form === 'gang') return findGang(state, v.shape, v.whole, veto);
      const p = form === 'fraction' ? findFraction(state, v.shape, v.fraction ?? 1, veto) : findSingle(state, v.shape, v.whole, veto, veto === accept ? timeFit : null);
      return p ? [p] : null;
    };
    const parts = find(accept);
    if (parts) {
      const first = parts[0] as AllocPart;
      const borrowed = guarantees && quota.wouldBorrow(v, first.node.pool);
      const alloc: Alloc = {
        jobId: v.id,
        account: v.job.account,
        user: v.job.user,
        leaf: v.leaf,
        qos: v.qosName,
        gpus: v.fraction ?? v.whole,
        parts,
        fraction: v.fraction,
        pool: first.node.pool,
        startedAt: now,
        endAt,
        preemptCount: v.preemptCount,
        checkpointable: v.job.checkpointable === true,
        stopping: false,
        planned: true,
      };
      state.allocate(alloc);
      quota.started(v, first.node.pool);
      if (borrowed) quota.borrowed.add(v.id);
      starts.push(toPlacement(alloc, borrowed));
      continue;
    }
    if (needsVeto && (vetoQuota || vetoGuarantee || vetoReservation) && find(null) !== null) {
      verdicts.set(v.id, { reason: vetoGuarantee ? 'QuotaGuarantee' : vetoQuota ? 'QuotaMax' : 'Reservation', estimatedStart: null });
      continue;
    }
    // Blocked for lack of GPUs.
    const first = blocked.length === 0;
    blocked.push(v);
    if (!config.backfill.enabled) {
      strictBlocked = true;
      verdicts.set(v.id, { reason: 'Resources', estimatedStart: null });
      continue;
    }
    if (book.size < config.backfill.reservations && form !== 'fraction') {
      const plan = form === 'gang' ? planGang(state, book, v.shape, v.whole, v.limitMs) : planSingle(state, book, v.shape, v.whole, v.limitMs);
      if (plan && Number.isFinite(plan.start)) {
        book.reserve(v.id, plan.parts, plan.start, plan.start + v.limitMs);
        verdicts.set(v.id, { reason: 'Resources', estimatedStart: plan.start });
        continue;
      }
    }
    verdicts.set(v.id, { reason: first ? 'Resources' : 'Priority', estimatedStart: null });
  }
  return { starts, verdicts, blocked, truncated };
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
