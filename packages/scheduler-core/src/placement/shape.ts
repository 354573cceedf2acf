/**
 * Cheap filters first (Nomad's stack): which node classes a job may use at all
 * (pool, GPU model, labels) and, from that, the static verdicts that need no
 * search: larger than any node or pool (Unplaceable), only down nodes could
 * hold it (NodeDown), or larger than one node (gang). Jobs with the same
 * constraints share one Shape, computed once per cycle.
 */
import type { ClusterState, NodeState } from '../cluster/state';
import type { PendingJob } from '../types';

export interface Shape {
  readonly key: string;
  readonly pool: string | null;
  readonly model: string | null;
  readonly selector: Readonly<Record<string, string>> | null;
  /** Node classes whose nodes satisfy pool, model and labels. */
  readonly classes: readonly number[];
  /** Largest number of usable GPUs on one matching node: schedulable nodes / all nodes. */
  readonly maxUp: number;
  readonly maxAll: number;
  /** Usable GPUs on all matching nodes: schedulable / all. */
  readonly totalUp: number;
  readonly totalAll: number;
  /** Matching nodes: schedulable / all (where a job without GPUs can go). */
  readonly nodesUp: number;
  readonly nodesAll: number;
}

export function shapeKey(job: PendingJob): string {
  const sel = job.nodeSelector
    ? Object.keys(job.nodeSelector)
        .sort()
        .map((k) => `${k}=${job.nodeSelector?.[k]}`)
        .join(',')
    : '';
  return `${job.pool ?? ''}\u0001${job.gpuModel ?? ''}\u0001${sel}`;
}

/** GPUs of the node the job could use (its model only, when it names one). */
export function usableSize(node: NodeState, model: string | null): number {
  if (model === null || node.models.length === 1) return model === null || node.models[0] === model ? node.size : 0;
  let n = 0;
  for (const g of node.gpus) if (g.model === model) n++;
  return n;
}

export function nodeMatches(node: NodeState, pool: string | null, model: string | null, selector: Readonly<Record<string, string>> | null): boolean {
  if (pool !== null && node.pool !== pool) return false;
  if (model !== null && !node.models.includes(model)) return false;
  if (selector) for (const k in selector) if (node.labels[k] !== selector[k]) return false;
  return true;
}

const UNCONSTRAINED = '\u0001\u0001';

export class ShapeCache {
  private readonly cache = new Map<string, Shape>();
  constructor(private readonly state: ClusterState) {}

  of(job: PendingJob): Shape {
    const key = job.pool === undefined && job.gpuModel === undefined && job.nodeSelector === undefined ? UNCONSTRAINED : shapeKey(job);
    let s = this.cache.get(key);
    if (!s) {
      s = this.build(key, job);
      this.cache.set(key, s);
    }
    return s;
  }

  private build(key: string, job: PendingJob): Shape {
    const pool = job.pool ?? null;
    const model = job.gpuModel ?? null;
    const selector = job.nodeSelector && Object.keys(job.nodeSelector).length ? job.nodeSelector : null;
    const classes = this.state.index.classes
      .filter((c) => nodeMatchesClass(c.pool, c.models, c.labels, pool, model, selector))
      .map((c) => c.id);
    let maxUp = 0;
    let maxAll = 0;
    let totalUp = 0;
    let totalAll = 0;
    let nodesUp = 0;
    let nodesAll = 0;
    const classSet = new Set(classes);
    for (const n of this.state.nodes) {
      if (!classSet.has(n.classId)) continue;
      const u = usableSize(n, model);
      maxAll = Math.max(maxAll, u);
      totalAll += u;
      nodesAll++;
      if (n.schedulable) {
        maxUp = Math.max(maxUp, u);
        totalUp += u;
        nodesUp++;
      }
    }
    return { key, pool, model, selector, classes, maxUp, maxAll, totalUp, totalAll, nodesUp, nodesAll };
  }
}

function nodeMatchesClass(
  cPool: string,
  cModels: readonly string[],
  cLabels: Readonly<Record<string, string>>,
  pool: string | null,
  model: string | null,
  selector: Readonly<Record<string, string>> | null,
): boolean {
  if (pool !== null && cPool !== pool) return false;
  if (model !== null && !cModels.includes(model)) return false;
  if (selector) for (const k in selector) if (cLabels[k] !== selector[k]) return false;
  return true;
}
