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
    const t = book.earliest(node, gpus, durMs, cap, best?.start ?? Number.POSITIVE_INFINITY);
    if (t < (best?.start ?? Number.POSITIVE_INFINITY)) {
      best = { start: t, parts: [{ node, gpus }] };
      if (t <= book.now) break; // nothing starts earlier than now
    }
  }
  return best;
}

export function planGang(state: ClusterState, book: ReservationBook, shape: Shape, gpus: number, durMs: number): PlannedStart | null {
  const classes = new Set(shape.classes);
  // Only the earliest few nodes can be chosen: as many as the job needs of the smallest
  // nodes, plus every node with a reservation (those may fail the stay-free check).
  let minSize = Number.POSITIVE_INFINITY;
  for (const c of shape.classes) minSize = Math.min(minSize, state.index.classes[c]?.size || Number.POSITIVE_INFINITY);
  const keep = Math.ceil(gpus / Math.max(1, minSize)) + book.reservedNodes + 1;
  type Cand = { node: NodeState; t: EpochMs; cap: number };
  const before = (a: Cand, b: Cand) => a.t < b.t || (a.t === b.t && (a.cap > b.cap || (a.cap === b.cap && a.node.idx < b.node.idx)));
  const cands: Cand[] = [];
  for (const node of state.nodes) {
    if (!node.schedulable || !classes.has(node.classId)) continue;
    const cap = usableSize(node, shape.model);
    if (cap < node.size || cap === 0) continue;
    const t = book.earliest(node, cap, durMs, cap);
    if (!Number.isFinite(t)) continue;
    const c = { node, t, cap };
    if (cands.length >= keep && !before(c, cands[cands.length - 1] as Cand)) continue;
    let i = cands.length;
    cands.push(c);
    while (i > 0 && before(c, cands[i - 1] as Cand)) {
      cands[i] = cands[i - 1] as Cand;
      i--;
    }
    cands[i] = c;
    if (cands.length > keep) cands.pop();
  }
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

/** A lower bound of `planSingle(...).start`: the earliest time some matching node frees enough GPUs, reservations ignored. */
export function earliestFreeing(state: ClusterState, book: ReservationBook, shape: Shape, gpus: number): EpochMs {
  const classes = new Set(shape.classes);
  let best = Number.POSITIVE_INFINITY;
  for (const node of state.nodes) {
    if (!node.schedulable || !classes.has(node.classId)) continue;
    const cap = usableSize(node, shape.model);
    if (cap < gpus) continue;
    best = Math.min(best, book.earliestByEnds(node, gpus, cap));
    if (best <= book.now) break;
  }
  return best;
}
