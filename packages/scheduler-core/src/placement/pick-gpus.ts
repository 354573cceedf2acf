/**
 * Which GPUs of one node a job gets. Scoring inside a node: keep a multi-GPU
 * job inside one NVLink domain when the node reports domains (best-fit domain,
 * so big free domains stay whole), otherwise take the lowest-index free GPUs
 * so the free ones stay together.
 */
import type { GpuState, NodeState } from '../cluster/state';

const isFree = (g: GpuState) => g.holder === null && g.sharedUsed === 0;

export function pickGpus(node: NodeState, n: number, model: string | null): GpuState[] | null {
  if (node.free < n) return null;
  const free: GpuState[] = [];
  for (const g of node.gpus) if (isFree(g) && (model === null || g.model === model)) free.push(g);
  if (free.length < n) return null;
  if (node.maxDomainSize === 0) return free.slice(0, n);
  const byDomain = new Map<string, GpuState[]>();
  for (const g of free) {
    const d = g.domain ?? `#${g.index}`;
    const list = byDomain.get(d);
    if (list) list.push(g);
    else byDomain.set(d, [g]);
  }
  const domains = [...byDomain.values()];
  if (n <= node.maxDomainSize) {
    // One domain: the smallest one that still fits (ties: lowest GPU index, the map keeps index order).
    let best: GpuState[] | null = null;
    for (const d of domains) if (d.length >= n && (best === null || d.length < best.length)) best = d;
    return best ? best.slice(0, n) : null;
  }
  // Larger than a domain: whole domains first, fullest first.
  domains.sort((a, b) => b.length - a.length || (a[0] as GpuState).index - (b[0] as GpuState).index);
  const out: GpuState[] = [];
  for (const d of domains) for (const g of d) if (out.length < n) out.push(g);
  return out;
}
