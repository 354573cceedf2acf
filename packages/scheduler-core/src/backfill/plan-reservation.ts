/**
 * Where and when a blocked job would start if nothing else jumped ahead: the
 * earliest time some matching node (or, for a gang, enough whole nodes) has
 * its GPUs free for the job's whole time limit, given running jobs' expected
 * ends and the reservations already made for higher-priority jobs.
 */
import type { ClusterState, NodeState } from '../cluster/state';
import type { Shape } from '../placement/shape';
import { usableSize } from '../placement/shape';
import type { EpochMs } from '../types';
import type { ReservationBook } from './reservations';

export interface PlannedStart {
  start: EpochMs;
  parts: { node: NodeState; gpus: number }[];
}

export function planSingle(state: ClusterState, book: ReservationBook, shape: Shape, gpus: number, durMs: number): PlannedStart | null {
  const classes = new Set(shape.classes);
  let best: PlannedStart | null = null;
  for (const node of state.nodes) {
    if (!node.schedulable || !classes.has(node.classId)) continue;
    const cap = usableSize(node, shape.model);
    if (cap < gpus) continue;
    const t = book.earliest(node, gpus, durMs, cap);
    if (t < (best?.start ?? Number.POSITIVE_INFINITY)) best = { start: t, parts: [{ node, gpus }] };
  }
  return best;
}

export function planGang(state: ClusterState, book: ReservationBook, shape: Shape, gpus: number, durMs: number): PlannedStart | null {
  const classes = new Set(shape.classes);
  const cands: { node: NodeState; t: EpochMs; cap: number }[] = [];
  for (const node of state.nodes) {
    if (!node.schedulable || !classes.has(node.classId)) continue;
    const cap = usableSize(node, shape.model);
    if (cap < node.size || cap === 0) continue;
    const t = book.earliest(node, cap, durMs, cap);
    if (Number.isFinite(t)) cands.push({ node, t, cap });
  }
  cands.sort((a, b) => a.t - b.t || b.cap - a.cap || a.node.idx - b.node.idx);
  // Grow the set in order of availability; the start is the latest member's time,
  // and every member must stay whole-free from then on for the job's duration.
  let capSoFar = 0;
  for (let k = 0; k < cands.length; k++) {
    capSoFar += (cands[k] as (typeof cands)[number]).cap;
    if (capSoFar < gpus) continue;
    const T = (cands[k] as (typeof cands)[number]).t;
    const chosen: PlannedStart['parts'] = [];
    let left = gpus;
    for (let i = 0; i <= k && left > 0; i++) {
      const c = cands[i] as (typeof cands)[number];
      if (!book.fitsDuring(c.node, c.cap, T, T + durMs, c.cap)) continue;
      const take = Math.min(left, c.cap);
      chosen.push({ node: c.node, gpus: take });
      left -= take;
    }
    if (left <= 0) return { start: T, parts: chosen };
  }
  return null;
}
