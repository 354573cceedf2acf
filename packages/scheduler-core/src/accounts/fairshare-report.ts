/**
 * The fair-share standing per account and user, like Slurm's `sshare -l`:
 * what the UI and CLI show next to a job's priority. Pure; the same numbers
 * the priority stage uses.
 */
import type { SchedulerConfig } from '../config';
import type { ClusterSnapshot } from '../types';
import { computeFairshare, type FairshareStanding } from './fairshare';
import { type AccountTree, buildAccountTree, type TreeNode } from './tree';

export interface FairshareRow {
  account: string;
  /** null for an account row. */
  user: string | null;
  parent: string | null;
  depth: number;
  rawShares: number;
  /** Shares among siblings. */
  normShares: number;
  /** Slice of the whole cluster (product of normShares down from the root). */
  globalShares: number;
  /** Decayed billed GPU-seconds. */
  rawUsage: number;
  /** Share of all usage. */
  normUsage: number;
  effectiveUsage: number;
  /** S/U among siblings; null when it used nothing (infinitely under-served). */
  levelFairshare: number | null;
  /** Fair-share factor in [0,1] (for accounts: the best of their users). */
  fairshareFactor: number;
  /** GPUs its running jobs hold now. */
  allocatedGpus: number;
}

export interface FairshareReport {
  algorithm: FairshareStanding['algorithm'];
  rows: FairshareRow[];
}

export function fairshareReport(snapshot: ClusterSnapshot, config: SchedulerConfig): FairshareReport {
  const tree = buildAccountTree(snapshot);
  return reportFromStanding(tree, computeFairshare(tree, config.fairshare.algorithm), snapshot);
}

/** Rows in depth-first tree order (the order `sshare` prints). */
export function reportFromStanding(tree: AccountTree, st: FairshareStanding, snapshot: ClusterSnapshot): FairshareReport {
  const alloc = new Float64Array(tree.nodes.length);
  for (const r of snapshot.running) {
    const g = r.gpus ?? (r.nodes ? r.nodes.reduce((s, p) => s + p.gpuUuids.length, 0) : r.gpuUuids.length);
    for (let i = tree.leaf(r.account, r.user); i >= 0; i = (tree.nodes[i] as TreeNode).parent) alloc[i] = (alloc[i] as number) + g;
  }
  const rows: FairshareRow[] = [];
  const walk = (idx: number) => {
    const n = tree.nodes[idx] as TreeNode;
    if (n.kind !== 'root') {
      const lf = st.levelFairshare[idx] as number;
      rows.push({
        account: n.account,
        user: n.kind === 'user' ? n.name : null,
        parent: n.parent > 0 ? (tree.nodes[n.parent] as TreeNode).name : null,
        depth: n.depth,
        rawShares: n.shares,
        normShares: st.normShares[idx] as number,
        globalShares: st.globalShares[idx] as number,
        rawUsage: n.rawUsage,
        normUsage: st.normUsage[idx] as number,
        effectiveUsage: st.effectiveUsage[idx] as number,
        levelFairshare: Number.isFinite(lf) ? lf : null,
        fairshareFactor: st.factor[idx] as number,
        allocatedGpus: alloc[idx] as number,
      });
    }
    for (const c of n.children) walk(c);
  };
  walk(0);
  return { algorithm: st.algorithm, rows };
}
