/**
 * The account tree, resolved once per cycle from the snapshot: root -> accounts
 * (any depth) -> user leaves. Missing pieces get sensible defaults so a bare
 * snapshot works: accounts seen only on jobs hang under the root with 1 share,
 * users seen only on jobs get 1 share. Children are sorted by name so every
 * walk over the tree is deterministic.
 */
import type { AccountSpec, ClusterSnapshot, QuotaSpec } from '../types';

export type TreeNodeKind = 'root' | 'account' | 'user';

export interface TreeNode {
  readonly idx: number;
  /** Account name, or user name for a user leaf. */
  readonly name: string;
  readonly kind: TreeNodeKind;
  /** For users the account they belong to; for accounts their own name. */
  readonly account: string;
  readonly parent: number;
  readonly depth: number;
  readonly shares: number;
  readonly children: readonly number[];
  readonly quotas: readonly QuotaSpec[];
  readonly budgetGpuHours: number | null;
  /** Decayed usage of the subtree (own + descendants). */
  readonly rawUsage: number;
}

export interface AccountTree {
  readonly nodes: readonly TreeNode[];
  readonly root: TreeNode;
  readonly accountIdx: ReadonlyMap<string, number>;
  /** Number of user leaves. */
  readonly userCount: number;
  leaf(account: string, user: string): number;
}

export const ROOT = 'root';


interface Draft {
  name: string;
  kind: TreeNodeKind;
  account: string;
  parentName: string | null;
  shares: number;
  quotas: QuotaSpec[];
  budget: number | null;
  users: Map<string, number>;
}

export function buildAccountTree(snapshot: ClusterSnapshot): AccountTree {
  const drafts = new Map<string, Draft>();
  const specs: readonly AccountSpec[] = snapshot.accounts ?? [];
  for (const s of specs) {
    if (s.name === ROOT) continue;
    drafts.set(s.name, {
      name: s.name,
      kind: 'account',
      account: s.name,
      parentName: s.parent ?? null,
      shares: Math.max(0, s.shares ?? 1),
      quotas: s.quotas ?? [],
      budget: s.budgetGpuHours ?? null,
      users: new Map(Object.entries(s.users ?? {}).map(([u, sh]) => [u, Math.max(0, sh)])),
    });
  }
  const rootSpec = specs.find((s) => s.name === ROOT);
  const ensure = (account: string, user: string | null) => {
    let d = drafts.get(account);
    if (!d) {
      d = { name: account, kind: 'account', account, parentName: null, shares: 1, quotas: [], budget: null, users: new Map() };
      drafts.set(account, d);
    }
    if (user !== null && !d.users.has(user)) d.users.set(user, 1);
  };
  for (const j of snapshot.pending) ensure(j.account, j.user);
  for (const j of snapshot.running) ensure(j.account, j.user);
  for (const [account, byUser] of Object.entries(snapshot.usage ?? {})) {
    for (const user of Object.keys(byUser)) ensure(account, user);
  }
  // Parents must exist and must not form a cycle; anything else hangs under the root.
  const parentOf = (d: Draft): string => {
    const p = d.parentName;
    if (p === null || p === ROOT || !drafts.has(p)) return ROOT;
    let cur: string | null = p;
    for (let hops = 0; cur !== null && cur !== ROOT; hops++) {
      if (cur === d.name || hops > drafts.size) return ROOT;
      const next: Draft | undefined = drafts.get(cur);
      cur = next ? (next.parentName !== null && drafts.has(next.parentName) ? next.parentName : ROOT) : ROOT;
    }
    return p;
  };
  const childNames = new Map<string, string[]>();
  for (const d of drafts.values()) {
    const p = parentOf(d);
    const list = childNames.get(p) ?? [];
    list.push(d.name);
    childNames.set(p, list);
  }
  const usage = snapshot.usage ?? {};
  const nodes: TreeNode[] = [];
  const accountIdx = new Map<string, number>();
  const leaves = new Map<string, Map<string, number>>();
  let userCount = 0;

  // Depth-first construction; returns the subtree's usage.
  const add = (d: Draft | null, parent: number, depth: number): number => {
    const idx = nodes.length;
    const name = d ? d.name : ROOT;
    const node = {
      idx,
      name,
      kind: d ? d.kind : ('root' as TreeNodeKind),
      account: name,
      parent,
      depth,
      shares: d ? d.shares : 1,
      children: [] as number[],
      quotas: d ? d.quotas : (rootSpec?.quotas ?? []),
      budgetGpuHours: d ? d.budget : (rootSpec?.budgetGpuHours ?? null),
      rawUsage: 0,
    };
    nodes.push(node);
    accountIdx.set(name, idx);
    let sum = 0;
    if (d) {
      for (const user of [...d.users.keys()].sort()) {
        const u = finite(usage[name]?.[user]);
        const leafIdx = nodes.length;
        nodes.push({
          idx: leafIdx,
          name: user,
          kind: 'user',
          account: name,
          parent: idx,
          depth: depth + 1,
          shares: d.users.get(user) ?? 1,
          children: [],
          quotas: [],
          budgetGpuHours: null,
          rawUsage: u,
        });
        let byUser = leaves.get(name);
        if (!byUser) {
          byUser = new Map();
          leaves.set(name, byUser);
        }
        byUser.set(user, leafIdx);
        node.children.push(leafIdx);
        userCount++;
        sum += u;
      }
    }
    for (const c of (childNames.get(name) ?? []).sort()) {
      const cd = drafts.get(c);
      if (!cd) continue;
      node.children.push(nodes.length);
      sum += add(cd, idx, depth + 1);
    }
    node.rawUsage = sum;
    return sum;
  };
  add(null, -1, 0);
  const root = nodes[0] as TreeNode;
  return {
    nodes,
    root,
    accountIdx,
    userCount,
    leaf(account, user) {
      const l = leaves.get(account)?.get(user);
      if (l !== undefined) return l;
      return accountIdx.get(account) ?? 0;
    },
  };
}

function finite(x: number | undefined): number {
  return x !== undefined && Number.isFinite(x) && x > 0 ? x : 0;
}

/**
 * The two children of the lowest common ancestor on the paths to `a` and `b`
 * (the level at which the two sides compete), or null when one contains the other.
 * Allocation-free: it runs once per (waiter, victim) pair in preemption.
 */
export function divergingChildren(tree: AccountTree, a: number, b: number): [number, number] | null {
  const nodes = tree.nodes;
  let x = a;
  let y = b;
  while ((nodes[x] as TreeNode).depth > (nodes[y] as TreeNode).depth) x = (nodes[x] as TreeNode).parent;
  while ((nodes[y] as TreeNode).depth > (nodes[x] as TreeNode).depth) y = (nodes[y] as TreeNode).parent;
  if (x === y) return null; // one side contains the other
  x = a;
  y = b;
  // Climb both to one level below their common ancestor.
  for (;;) {
    const dx = (nodes[x] as TreeNode).depth;
    const dy = (nodes[y] as TreeNode).depth;
    if (dx > dy) x = (nodes[x] as TreeNode).parent;
    else if (dy > dx) y = (nodes[y] as TreeNode).parent;
    else if ((nodes[x] as TreeNode).parent !== (nodes[y] as TreeNode).parent) {
      x = (nodes[x] as TreeNode).parent;
      y = (nodes[y] as TreeNode).parent;
    } else return [x, y];
  }
}
