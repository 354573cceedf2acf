/**
 * Fair-share arithmetic, in one place (Kueue's rule: shares are computed here,
 * ordering and victim selection live elsewhere). Input: the resolved account
 * tree with decayed usage. Output: per tree node the normalised shares and
 * usage, the level fair-share S/U and, for users, the fair-share factor in [0,1].
 *
 * Fair Tree (Slurm's default): at every level siblings are ranked by
 * LF = S/U (S = shares / siblings' shares, U = usage / siblings' usage); the
 * tree is walked depth-first in that order (children of tied accounts are
 * merged and ranked together) and users get a rank, highest first; the
 * factor is rank / number of users. So an account that used less than its
 * share puts every one of its users ahead of every user of an account that
 * used more, whatever happens deeper down.
 *
 * Classic: factor = 2^(-U/S) with U the subtree's share of all usage and S
 * the product of normalised shares from the root down.
 */
import type { AccountTree, TreeNode } from './tree';

export type FairshareAlgorithm = 'fair-tree' | 'classic';

export interface FairshareStanding {
  algorithm: FairshareAlgorithm;
  /** Shares / siblings' shares. */
  normShares: Float64Array;
  /** Product of normShares from the root down: the node's slice of the whole cluster. */
  globalShares: Float64Array;
  /** Subtree usage / all usage (0 when nothing was used). */
  normUsage: Float64Array;
  /** Usage / siblings' usage (0 when the siblings used nothing). */
  levelUsage: Float64Array;
  /** normShares / levelUsage; +Infinity when it used nothing, 0 for zero shares. */
  levelFairshare: Float64Array;
  /** Usage the factor is computed from: normUsage (both algorithms). */
  effectiveUsage: Float64Array;
  /** Fair-share factor in [0,1] (users; for accounts, the best of their users). */
  factor: Float64Array;
}

export function computeFairshare(tree: AccountTree, algorithm: FairshareAlgorithm): FairshareStanding {
  const n = tree.nodes.length;
  const normShares = new Float64Array(n);
  const globalShares = new Float64Array(n);
  const normUsage = new Float64Array(n);
  const levelUsage = new Float64Array(n);
  const levelFairshare = new Float64Array(n);
  const factor = new Float64Array(n);
  const total = tree.root.rawUsage;
  normShares[0] = 1;
  globalShares[0] = 1;
  normUsage[0] = total > 0 ? 1 : 0;
  levelUsage[0] = normUsage[0];
  levelFairshare[0] = 1;
  for (const node of tree.nodes) {
    let sShares = 0;
    let sUsage = 0;
    for (const c of node.children) {
      const cn = tree.nodes[c] as TreeNode;
      sShares += cn.shares;
      sUsage += cn.rawUsage;
    }
    for (const c of node.children) {
      const cn = tree.nodes[c] as TreeNode;
      const s = sShares > 0 ? cn.shares / sShares : 0;
      const u = sUsage > 0 ? cn.rawUsage / sUsage : 0;
      normShares[c] = s;
      globalShares[c] = (globalShares[node.idx] as number) * s;
      normUsage[c] = total > 0 ? cn.rawUsage / total : 0;
      levelUsage[c] = u;
      levelFairshare[c] = s === 0 ? 0 : u === 0 ? Number.POSITIVE_INFINITY : s / u;
    }
  }
  if (algorithm === 'classic') {
    for (let i = 0; i < n; i++) {
      const s = globalShares[i] as number;
      factor[i] = s > 0 ? 2 ** (-(normUsage[i] as number) / s) : 0;
    }
  } else {
    fairTreeRanks(tree, levelFairshare, factor);
  }
  // Accounts show the best factor among their users (display and account-less lookups).
  for (let i = n - 1; i >= 0; i--) {
    const node = tree.nodes[i] as TreeNode;
    if (node.kind === 'user' || node.children.length === 0) continue;
    let best = 0;
    for (const c of node.children) best = Math.max(best, factor[c] as number);
    factor[i] = best;
  }
  return { algorithm, normShares, globalShares, normUsage, levelUsage, levelFairshare, effectiveUsage: normUsage, factor };
}

const tied = (a: number, b: number) => a === b || (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)));

/** Depth-first Fair Tree walk; writes rank / userCount into `factor` for users. */
function fairTreeRanks(tree: AccountTree, lf: Float64Array, factor: Float64Array): void {
  const users = tree.userCount;
  if (users === 0) return;
  let rank = users;
  const byLf = (a: number, b: number) => {
    const x = lf[a] as number;
    const y = lf[b] as number;
    if (!tied(x, y)) return y > x ? 1 : -1;
    const na = (tree.nodes[a] as TreeNode).name;
    const nb = (tree.nodes[b] as TreeNode).name;
    return na < nb ? -1 : na > nb ? 1 : a - b;
  };
  // Recursion depth = tree depth (a handful of levels).
  const visit = (group: number[]): void => {
    const sorted = [...group].sort(byLf);
    for (let i = 0; i < sorted.length; ) {
      let j = i + 1;
      while (j < sorted.length && tied(lf[sorted[i] as number] as number, lf[sorted[j] as number] as number)) j++;
      const ties = sorted.slice(i, j);
      const tiedUsers = ties.filter((t) => (tree.nodes[t] as TreeNode).kind === 'user');
      for (const u of tiedUsers) factor[u] = rank / users;
      rank -= tiedUsers.length;
      const merged: number[] = [];
      for (const t of ties) {
        const node = tree.nodes[t] as TreeNode;
        if (node.kind !== 'user') merged.push(...node.children);
      }
      if (merged.length) visit(merged);
      i = j;
    }
  };
  visit([...tree.root.children]);
}
