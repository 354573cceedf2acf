/**
 * Where a job fits now. Single node: best fit over the free-count buckets
 * (the node with the fewest free GPUs that can still hold it, then the lowest
 * name), so whole nodes stay free for big jobs. Gang: whole free nodes, all or
 * nothing. Fractional: the fullest shared GPU with room, else a free GPU
 * found by best fit. No GPU: the node with the most CPU cores to spare where
 * its cores and memory fit. `accept` lets the caller veto a node (reservations, pool
 * quotas) without this file knowing why.
 */
import type { AllocPart, ClusterState, GpuState, NodeState } from '../cluster/state';
import { pickGpus } from './pick-gpus';
import { type Shape, usableSize } from './shape';

export type NodeVeto = (node: NodeState, gpus: number) => boolean;

export function findSingle(state: ClusterState, shape: Shape, n: number, accept: NodeVeto | null): AllocPart | null {
  const { index } = state;
  let top = 0;
  for (const c of shape.classes) top = Math.max(top, index.maxFree(c));
  if (top < n) return null;
  for (let f = n; f <= top; f++) {
    // Lowest node index with exactly f free GPUs, across the job's classes.
    let best: AllocPart | null = null;
    for (const c of shape.classes) {
      for (const idx of index.nodesWithFree(c, f)) {
        if (best !== null && idx >= best.node.idx) break;
        const node = state.nodes[idx] as NodeState;
        if (accept !== null && !accept(node, n)) continue;
        const gpus = pickGpus(node, n, shape.model);
        if (gpus === null) continue;
        best = { node, gpus };
        break;
      }
    }
    if (best) return best;
  }
  return null;
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
  let best: GpuState | null = null;
  if (state.sharedOpen.size > 0) {
    const classSet = new Set(shape.classes);
    for (const g of state.sharedOpen) {
      if (g.sharedUsed + fraction > 1 + 1e-9 || !classSet.has(g.node.classId)) continue;
      if (shape.model !== null && g.model !== shape.model) continue;
      // Fullest first; ties to the lowest node, then GPU index (the set's order is not meaningful).
      if (best !== null && (g.sharedUsed < best.sharedUsed || (g.sharedUsed === best.sharedUsed && (g.node.idx > best.node.idx || (g.node.idx === best.node.idx && g.index > best.index))))) continue;
      if (accept !== null && !accept(g.node, 0)) continue;
      best = g;
    }
  }
  if (best) return { node: best.node, gpus: [best] };
  return findSingle(state, shape, 1, accept);
}

/**
 * A job without GPUs: a schedulable node of its shape where its CPU cores and memory fit next to
 * what the node's jobs ask for (a request above the node's size counts as the whole node; a node
 * that does not report a size takes it), the one with the most cores to spare, then by name.
 */
export function findCpuOnly(state: ClusterState, shape: Shape, cpus: number, memoryMiB: number, accept: NodeVeto | null): AllocPart | null {
  const classes = new Set(shape.classes);
  let best: NodeState | null = null;
  let bestSpare = Number.NEGATIVE_INFINITY;
  for (const node of state.nodes) {
    if (!node.schedulable || !classes.has(node.classId)) continue;
    if (!fits(node.cpus, node.usedCpus, cpus) || !fits(node.memoryMiB, node.usedMemoryMiB, memoryMiB)) continue;
    const spare = node.cpus > 0 ? node.cpus - node.usedCpus : Number.POSITIVE_INFINITY;
    if (spare <= bestSpare || (accept !== null && !accept(node, 0))) continue;
    best = node;
    bestSpare = spare;
  }
  return best ? { node: best, gpus: [] } : null;
}

const fits = (size: number, used: number, ask: number) => size <= 0 || used + Math.min(ask, size) <= size;
