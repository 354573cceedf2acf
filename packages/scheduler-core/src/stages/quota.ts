/**
 * Stage 3, quotas (last filter before placement and ranking, as in Nomad):
 * QOS caps per user and account, account budgets, account hard limits
 * (`maxGpus`, hierarchical: every ancestor's limit counts) and guarantees.
 * Dynamic: the counts grow as the cycle commits starts, so this runs per job
 * in queue order. Also decides which allocations are *borrowed* (above the
 * guarantee of the account that holds the guarantee), i.e. reclaimable.
 */
import type { PendingReason } from '@sluice/contracts';
import type { TreeNode } from '../accounts/tree';
import type { Alloc, ClusterState } from '../cluster/state';
import type { CycleContext, JobView } from '../context';
import type { QuotaSpec } from '../types';

type QuotaReason = Extract<PendingReason, 'QuotaMax' | 'Budget' | 'QosLimit' | 'QuotaGuarantee'>;

interface Limit {
  readonly node: number;
  /** null = all pools together. */
  readonly pool: string | null;
  readonly gpus: number;
}

export interface Holder {
  /** Tree node whose guarantee covers the job (0 = none: everything borrowed). */
  readonly node: number;
  readonly pool: string | null;
  readonly guaranteed: number;
}

export class QuotaBook {
  private readonly maxByNode: Limit[][];
  private readonly guarByNode: Limit[][];
  private readonly budgetUsed: Float64Array;
  /** Pools (or null = all) that have any guarantee: only there is anything borrowed. */
  private readonly guaranteedPools = new Set<string | null>();
  private poolLimited = false;
  readonly borrowed = new Set<string>();
  /** Pending GPUs per guarantee holder key, for lenders' claims on idle GPUs. */
  private readonly pendingByHolder = new Map<string, { holder: Holder; gpus: number }>();

  constructor(
    private readonly ctx: CycleContext,
    private readonly state: ClusterState,
  ) {
    const { tree } = ctx;
    const n = tree.nodes.length;
    this.maxByNode = Array.from({ length: n }, () => []);
    this.guarByNode = Array.from({ length: n }, () => []);
    for (const node of tree.nodes) {
      for (const q of node.quotas as QuotaSpec[]) {
        const pool = q.pool ?? null;
        if (q.maxGpus !== undefined) {
          (this.maxByNode[node.idx] as Limit[]).push({ node: node.idx, pool, gpus: q.maxGpus });
          if (pool !== null) this.poolLimited = true;
        }
        if (q.guaranteedGpus !== undefined) {
          (this.guarByNode[node.idx] as Limit[]).push({ node: node.idx, pool, gpus: q.guaranteedGpus });
          this.guaranteedPools.add(pool);
        }
      }
    }
    this.budgetUsed = new Float64Array(n);
    const used = ctx.snapshot.budgetUsedGpuHours ?? {};
    for (const [account, h] of Object.entries(used)) {
      const idx = tree.accountIdx.get(account);
      if (idx === undefined || !(h > 0)) continue;
      for (let i = idx; i >= 0; i = (tree.nodes[i] as TreeNode).parent) this.budgetUsed[i] = (this.budgetUsed[i] as number) + h;
    }
    this.markBorrowed();
    if (this.guaranteedPools.size > 0) {
      for (const v of ctx.jobs) {
        const h = this.holder(v.leaf, v.job.pool ?? null);
        const k = holderKey(h);
        const e = this.pendingByHolder.get(k) ?? { holder: h, gpus: 0 };
        e.gpus += v.gpus;
        this.pendingByHolder.set(k, e);
      }
    }
  }

  get hasPoolLimits(): boolean {
    return this.poolLimited;
  }

  get hasGuarantees(): boolean {
    return this.guaranteedPools.size > 0;
  }

  /** Checks that do not depend on the node: QOS caps, budget, all-pool limits (and pool limits when the job names its pool). */
  check(v: JobView): QuotaReason | null {
    const q = v.qos;
    if (q) {
      if (q.maxGpusPerUser !== null && this.state.qosUsedByUser(v.qosName, v.job.user) + v.gpus > q.maxGpusPerUser + 1e-9) return 'QosLimit';
      if (q.maxGpusPerAccount !== null && this.state.qosUsedByAccount(v.qosName, v.job.account) + v.gpus > q.maxGpusPerAccount + 1e-9) return 'QosLimit';
    }
    const { tree } = this.ctx;
    for (let i = v.leaf; i >= 0; i = (tree.nodes[i] as TreeNode).parent) {
      const node = tree.nodes[i] as TreeNode;
      if (node.budgetGpuHours !== null && (this.budgetUsed[i] as number) >= node.budgetGpuHours) return 'Budget';
      for (const l of this.maxByNode[i] as Limit[]) {
        if (l.pool !== null && l.pool !== v.job.pool) continue;
        if (this.state.allocIn(l.pool, i) + v.gpus > l.gpus + 1e-9) return 'QuotaMax';
      }
    }
    return null;
  }

  /** Pool-specific hard limits for a job that may land in `pool`. */
  poolAllows(v: JobView, pool: string): boolean {
    const { tree } = this.ctx;
    for (let i = v.leaf; i >= 0; i = (tree.nodes[i] as TreeNode).parent) {
      for (const l of this.maxByNode[i] as Limit[]) {
        if (l.pool === pool && this.state.allocIn(pool, i) + v.gpus > l.gpus + 1e-9) return false;
      }
    }
    return true;
  }

  /** The account whose guarantee covers `leaf` in `pool`: nearest ancestor-or-self with one. */
  holder(leaf: number, pool: string | null): Holder {
    const { tree } = this.ctx;
    let top = 0;
    for (let i = leaf; i > 0; i = (tree.nodes[i] as TreeNode).parent) {
      for (const l of this.guarByNode[i] as Limit[]) if (l.pool === null || l.pool === pool) return { node: i, pool: l.pool, guaranteed: l.gpus };
      top = i;
    }
    // No guarantee on the path: the top-level account holds a guarantee of 0.
    return { node: top, pool: this.guaranteedPools.has(pool) ? pool : null, guaranteed: 0 };
  }

  /** Would `gpus` more GPUs in `pool` be above the guarantee? */
  wouldBorrow(v: JobView, pool: string, gpus: number = v.gpus): boolean {
    if (!this.guaranteedPools.has(pool) && !this.guaranteedPools.has(null)) return false;
    const h = this.holder(v.leaf, pool);
    return this.state.allocIn(h.pool, h.node) + gpus > h.guaranteed + 1e-9;
  }

  /** Is the job within its guarantee (it may then reclaim borrowed GPUs)? */
  withinGuarantee(v: JobView, pool: string): boolean {
    if (!this.guaranteedPools.has(pool) && !this.guaranteedPools.has(null)) return false;
    const h = this.holder(v.leaf, pool);
    return h.guaranteed > 0 && this.state.allocIn(h.pool, h.node) + v.gpus <= h.guaranteed + 1e-9;
  }

  /**
   * A borrowing job may only use idle GPUs that no lender is waiting for:
   * free GPUs in the pool minus other holders' pending demand up to their
   * unused guarantee. Else it waits with QuotaGuarantee rather than start
   * and be reclaimed a moment later.
   */
  lendersClaim(v: JobView, pool: string): boolean {
    if (this.pendingByHolder.size === 0) return false;
    const own = holderKey(this.holder(v.leaf, pool));
    let claimed = 0;
    for (const [k, e] of this.pendingByHolder) {
      if (k === own || e.gpus <= 0 || e.holder.guaranteed <= 0) continue;
      if (e.holder.pool !== null && e.holder.pool !== pool) continue;
      const unused = e.holder.guaranteed - this.state.allocIn(e.holder.pool, e.holder.node);
      claimed += Math.max(0, Math.min(unused, e.gpus));
    }
    return claimed > 0 && this.state.freeIn(pool) - claimed < v.gpus;
  }

  /** Bookkeeping after a start: its pending demand is gone. */
  started(v: JobView, pool: string): void {
    if (this.pendingByHolder.size === 0) return;
    const e = this.pendingByHolder.get(holderKey(this.holder(v.leaf, v.job.pool ?? null))) ?? this.pendingByHolder.get(holderKey(this.holder(v.leaf, pool)));
    if (e) e.gpus -= v.gpus;
  }

  /** Running jobs above their holder's guarantee, youngest first within each holder. */
  private markBorrowed(): void {
    if (this.guaranteedPools.size === 0) return;
    const byHolder = new Map<string, { h: Holder; allocs: Alloc[] }>();
    for (const a of this.state.allocs.values()) {
      const h = this.holder(a.leaf, a.pool);
      const k = holderKey(h);
      const e = byHolder.get(k) ?? { h, allocs: [] };
      e.allocs.push(a);
      byHolder.set(k, e);
    }
    for (const { h, allocs } of byHolder.values()) {
      allocs.sort((x, y) => x.startedAt - y.startedAt || (x.jobId < y.jobId ? -1 : 1));
      let sum = 0;
      for (const a of allocs) {
        sum += a.gpus;
        if (sum > h.guaranteed + 1e-9) this.borrowed.add(a.jobId);
      }
    }
  }
}

const holderKey = (h: Holder) => `${h.node}\u0000${h.pool ?? ''}`;
