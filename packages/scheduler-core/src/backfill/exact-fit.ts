/**
 * Exact fits, before the priority walk: a job near the head of the queue whose
 * GPU count equals a node's free GPUs starts there first, so that a smaller
 * job ahead of it does not break up the block (it takes another hole, or
 * waits with a reservation like any blocked job). Whole-node jobs are what
 * this protects most: a node freed by one whole-node job goes to the next
 * instead of being split and drained again, and a half-node hole goes to a
 * half-node job.
 *
 * It must not cost the jobs that priority protects: a dry run of the priority
 * walk, up to the last candidate, yields the reservations it would make for
 * the jobs ahead, and an exact fit may only start where it delays none of
 * them, its own included (the same `fitsNow` test backfill passes): a job
 * whose reservation is on that very node gets it soon anyway and does not
 * push out the higher-priority jobs before it.
 * Only the first `backfill.exactFitDepth` eligible jobs of the queue take
 * part, so a low-priority account cannot jump the queue through exact fits,
 * and none goes ahead of a job of a higher QOS. Not with the `fifo` order.
 */
import type { PendingReason } from '@sluice/contracts';
import type { AllocPart, NodeState } from '../cluster/state';
import type { CycleContext, JobView } from '../context';
import { pickGpus } from '../placement/pick-gpus';
import { jobForm } from '../stages/filter';
import { QuotaBook } from '../stages/quota';
import { commitStart, WalkVeto, walkQueue } from '../stages/walk';
import type { Placement } from '../types';
import { ReservationBook } from './reservations';

export function placeExactFits(ctx: CycleContext, order: readonly JobView[], staticReasons: readonly (PendingReason | null)[], quota: QuotaBook): Placement[] {
  const { config, state } = ctx;
  // FIFO stays plain submission order with backfill (the baseline).
  const depth = config.backfill.enabled && config.queueOrder === 'priority' ? config.backfill.exactFitDepth : 0;
  const candidates: JobView[] = [];
  let eligible = 0;
  let topQos = Number.NEGATIVE_INFINITY;
  let last = -1;
  for (const [k, v] of order.entries()) {
    if (eligible >= depth || state.totalFree() === 0) break;
    if (staticReasons[v.index]) continue;
    eligible++;
    // Never ahead of a job of a higher QOS (an interactive session does not wait for batch work).
    const jumpsQos = v.qosPriority < topQos;
    topQos = Math.max(topQos, v.qosPriority);
    if (jumpsQos || jobForm(v) !== 'single') continue;
    if (v.shape.classes.some((c) => state.index.nodesWithFree(c, v.whole).length > 0)) {
      candidates.push(v);
      last = k;
    }
  }
  if (candidates.length === 0) return [];

  // The reservations the plain priority walk would make for the jobs up to the last candidate
  // (those behind it come after every candidate anyway); its starts are undone.
  const dryBook = new ReservationBook(ctx.now);
  const dry = walkQueue(ctx, order, staticReasons, new QuotaBook(ctx, state), dryBook, { reserveFor: last + 1 });
  for (const s of dry.starts) state.release(s.jobId);

  const starts: Placement[] = [];
  const veto = new WalkVeto(quota, dryBook);
  for (const v of candidates) {
    if (quota.check(v) !== null) continue;
    veto.reset(v, ctx.now + v.limitMs, false);
    for (const node of exactHoles(ctx, v)) {
      if (!veto.fn(node, v.whole)) continue;
      const gpus = pickGpus(node, v.whole, v.shape.model);
      if (!gpus) continue;
      const parts: AllocPart[] = [{ node, gpus }];
      starts.push(commitStart(ctx, quota, v, parts));
      break;
    }
  }
  return starts;
}

/** Schedulable nodes of the job's shape with exactly its GPU count free, by name. */
function exactHoles(ctx: CycleContext, v: JobView): NodeState[] {
  const out: NodeState[] = [];
  for (const c of v.shape.classes) for (const idx of ctx.state.index.nodesWithFree(c, v.whole)) out.push(ctx.state.nodes[idx] as NodeState);
  if (v.shape.classes.length > 1) out.sort((a, b) => a.idx - b.idx);
  return out;
}
