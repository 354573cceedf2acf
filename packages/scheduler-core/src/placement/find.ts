/**
 * Where a job fits now. Single node: best fit over the free-count buckets
 * (the node with the fewest free GPUs that can still hold it, then the lowest
 * name), so whole nodes stay free for big jobs. Gang: whole free nodes, all or
 * nothing. Fractional: the fullest shared GPU with room, else a free GPU
 * found by best fit. `accept` lets the caller veto a node (reservations, pool
 * quotas) without this file knowing why.
 */
import type { AllocPart, ClusterState, GpuState, NodeState } from '../cluster/state';
import { pickGpus } from './pick-gpus';
import { type Shape, usableSize } from './shape';

export type NodeVeto = (node: NodeState, gpus: number) => boolean;

/**
 * Time-aware packing (optional): among the first `candidates` nodes in best-fit
 * order, prefer the one whose busy horizon (latest expected end of its jobs)
 * the new job extends least, so nodes drain as a whole and big jobs find
 * whole nodes sooner; empty nodes are then the last choice. `endAt` is the
 * job's expected end.
 */
export interface TimeFit {
  readonly endAt: number;
  readonly now: number;
  readonly candidates: number;
}

export function findSingle(state: ClusterState, shape: Shape, n: number, accept: NodeVeto | null, time: TimeFit | null = null): AllocPart | null {
  const { index } = state;
  let top = 0;
  for (const c of shape.classes) top = Math.max(top, index.maxFree(c));
  if (top < n) return null;
  const want = time ? Math.max(1, time.candidates) : 1;
  let best: AllocPart | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  let seen = 0;
  for (let f = n; f <= top && seen < want; f++) {
    // Nodes with exactly f free, across classes, in index (name) order.
    const lists = shape.classes.map((c) => index.nodesWithFree(c, f)).filter((l) => l.length > 0);
    const pos = lists.map(() => 0);
    while (seen < want) {
      let li = -1;
      for (let k = 0; k < lists.length; k++) {
        const l = lists[k] as readonly number[];
        const p = pos[k] as number;
        if (p < l.length && (li < 0 || (l[p] as number) < ((lists[li] as readonly number[])[pos[li] as number] as number))) li = k;
      }
      if (li < 0) break;
      const idx = (lists[li] as readonly number[])[pos[li] as number] as number;
      pos[li] = (pos[li] as number) + 1;
      const node = state.nodes[idx] as NodeState;
      if (accept !== null && !accept(node, n)) continue;
      const gpus = pickGpus(node, n, shape.model);
      if (gpus === null) continue;
      seen++;
      if (!time) return { node, gpus };
      const score = horizonExtension(node, time);
      if (score < bestScore) {
        bestScore = score;
        best = { node, gpus };
      }
    }
  }
  return best;
}

function horizonExtension(node: NodeState, time: TimeFit): number {
  let horizon = time.now;
  for (const a of node.allocs) if (a.endAt > horizon) horizon = a.endAt;
  return Math.max(0, time.endAt - horizon);
}

/** Whole free nodes, largest first then by name, until they hold n GPUs; the last takes only what is left. */
export function findGang(state: ClusterState, shape: Shape, n: number, accept: NodeVeto | null): AllocPart[] | null {
  const candidates: NodeState[] = [];
  for (const c of shape.classes) {
    const size = state.index.classes[c]?.size ?? 0;
    for (const idx of state.index.nodesWithFree(c, size)) candidates.push(state.nodes[idx] as NodeState);
  }
  candidates.sort((a, b) => b.size - a.size || a.idx - b.idx);
  const parts: AllocPart[] = [];
  let left = n;
  for (const node of candidates) {
    if (left <= 0) break;
    const usable = usableSize(node, shape.model);
    if (usable < node.size || usable === 0) continue;
    if (accept !== null && !accept(node, node.size)) continue;
    const gpus = pickGpus(node, Math.min(left, usable), shape.model);
    if (!gpus) continue;
    parts.push({ node, gpus });
    left -= gpus.length;
  }
  return left <= 0 ? parts : null;
}

/** A fraction of one GPU: pack onto the fullest shared GPU that has room, else start sharing a free GPU. */
export function findFraction(state: ClusterState, shape: Shape, fraction: number, accept: NodeVeto | null): AllocPart | null {
  const classSet = new Set(shape.classes);
  let best: GpuState | null = null;
  for (const node of state.nodes) {
    if (!node.schedulable || !classSet.has(node.classId)) continue;
    for (const g of node.gpus) {
      if (g.holder !== null || g.sharedUsed <= 0 || g.sharedUsed + fraction > 1 + 1e-9) continue;
      if (shape.model !== null && g.model !== shape.model) continue;
      if (best !== null && g.sharedUsed <= best.sharedUsed) continue;
      if (accept !== null && !accept(node, 0)) continue;
      best = g;
    }
  }
  if (best) return { node: best.node, gpus: [best] };
  return findSingle(state, shape, 1, accept);
}
