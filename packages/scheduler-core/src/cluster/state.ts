/**
 * The cluster as one cycle sees it: GPUs, who holds them, and per account and
 * QOS how many GPUs are allocated. Mutable on purpose, but only in two ways:
 * the cycle commits the starts it plans (`allocate`), and what-if code removes
 * jobs and puts them back (`simulateRemoval` returns the undo). Built fresh
 * from the snapshot every cycle, so nothing leaks between cycles.
 */
import type { AccountTree, TreeNode } from '../accounts/tree';
import type { SchedulerConfig } from '../config';
import type { ClusterSnapshot, EpochMs, GpuSlot, NodePart, NodeSnapshot, RunningJob } from '../types';
import { NodeIndex } from './node-index';
import type { Alloc, AllocPart, GpuState, NodeState } from './types';

export type { Alloc, AllocPart, GpuState, NodeState } from './types';

export class ClusterState {
  readonly nodes: NodeState[] = [];
  readonly nodeByName = new Map<string, NodeState>();
  readonly gpuByUuid = new Map<string, GpuState>();
  readonly allocs = new Map<string, Alloc>();
  readonly index = new NodeIndex();
  /** GPUs allocated per tree node (subtree sums), all pools together. */
  readonly allocTotal: Float64Array;
  /** The same per pool. */
  readonly allocByPool = new Map<string, Float64Array>();
  /** GPUs per QOS and user, and per QOS and account. */
  private readonly qosUser = new Map<string, Map<string, number>>();
  private readonly qosAccount = new Map<string, Map<string, number>>();
  /** Whole free GPUs on schedulable nodes, per pool. */
  private readonly freeByPool = new Map<string, number>();
  /** Shared GPUs (fractional jobs on them) that still have room, for packing more fractions. */
  readonly sharedOpen = new Set<GpuState>();

  constructor(
    readonly tree: AccountTree,
    snapshot: ClusterSnapshot,
    readonly config: SchedulerConfig,
    readonly now: EpochMs,
  ) {
    this.allocTotal = new Float64Array(tree.nodes.length);
    const sorted = isSortedByName(snapshot.nodes) ? snapshot.nodes : [...snapshot.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const n of sorted) {
      const idx = this.nodes.length;
      const pool = n.pool ?? config.defaultPool;
      const labels = n.labels ?? NO_LABELS;
      let slots = n.gpus;
      for (let i = 1; i < slots.length; i++) {
        if ((slots[i] as GpuSlot).index < (slots[i - 1] as GpuSlot).index) {
          slots = [...n.gpus].sort((a, b) => a.index - b.index);
          break;
        }
      }
      let models: string[] = [];
      let domainSizes: Map<string, number> | null = null;
      for (const g of slots) {
        if (!models.includes(g.model)) models.push(g.model);
        if (g.nvlinkDomain !== undefined) {
          domainSizes ??= new Map();
          const d = String(g.nvlinkDomain);
          domainSizes.set(d, (domainSizes.get(d) ?? 0) + 1);
        }
      }
      if (models.length > 1) models = models.sort();
      const gpus: GpuState[] = [];
      const node: NodeState = {
        idx,
        name: n.name,
        pool,
        labels,
        schedulable: n.schedulable,
        gpus,
        size: slots.length,
        models,
        maxDomainSize: domainSizes ? Math.max(0, ...domainSizes.values()) : 0,
        classId: this.index.classFor(pool, models, labels, slots.length),
        free: 0,
        cpus: n.cpus ?? 0,
        memoryMiB: n.memoryMiB ?? 0,
        usedCpus: 0,
        usedMemoryMiB: 0,
        allocs: new Set(),
        version: 0,
        endsCache: null,
      };
      for (const g of slots) {
        let shared = 0;
        if (g.shared) for (const x of g.shared) shared += x.fraction;
        const gs: GpuState = {
          uuid: g.uuid,
          index: g.index,
          model: g.model,
          domain: g.nvlinkDomain === undefined ? null : String(g.nvlinkDomain),
          node,
          holder: g.jobId,
          sharedUsed: shared,
        };
        gpus.push(gs);
        this.gpuByUuid.set(g.uuid, gs);
      }
      this.nodes.push(node);
      this.nodeByName.set(n.name, node);
    }
    for (const r of snapshot.running) this.addRunning(r);
    for (const g of this.gpuByUuid.values()) this.trackShared(g);
    for (const node of this.nodes) {
      node.free = countFree(node);
      if (node.schedulable) {
        this.index.insert(node.classId, node.free, node.idx);
        this.freeByPool.set(node.pool, (this.freeByPool.get(node.pool) ?? 0) + node.free);
      }
    }
  }

  private addRunning(r: RunningJob): void {
    const parts: AllocPart[] = [];
    let whole = 0;
    const multi = r.nodes !== undefined && r.nodes.length > 0;
    const n = multi ? (r.nodes as NodePart[]).length : 1;
    for (let k = 0; k < n; k++) {
      const part = multi ? ((r.nodes as NodePart[])[k] as NodePart) : r;
      const node = this.nodeByName.get(part.node);
      if (!node) continue;
      const gpus: GpuState[] = [];
      for (const u of part.gpuUuids) {
        const g = this.gpuByUuid.get(u);
        if (g !== undefined && g.node === node) gpus.push(g);
      }
      if (gpus.length) {
        parts.push({ node, gpus });
        whole += gpus.length;
      }
    }
    // A job without GPUs still runs on its node.
    if (parts.length === 0 && r.gpuUuids.length === 0 && !multi) {
      const node = this.nodeByName.get(r.node);
      if (node) parts.push({ node, gpus: [] });
    }
    const fraction = r.gpus !== undefined && r.gpus < 1 && whole === 1 ? r.gpus : null;
    const qos = r.qos ?? this.config.defaultQos;
    const alloc: Alloc = {
      jobId: r.id,
      account: r.account,
      user: r.user,
      leaf: this.tree.leaf(r.account, r.user),
      qos,
      gpus: fraction ?? whole,
      cpus: r.cpus ?? 0,
      memoryMiB: r.memoryMiB ?? 0,
      parts,
      fraction,
      pool: parts[0]?.node.pool ?? this.config.defaultPool,
      startedAt: r.startedAt,
      endAt: Math.max(r.startedAt + r.timeLimitSec * 1000, this.now + 1),
      preemptCount: r.preemptCount ?? 0,
      checkpointable: r.checkpointable === true,
      stopping: r.stopping === true,
      planned: false,
    };
    // The snapshot's slots already show these GPUs as taken; make sure the claim agrees.
    for (const p of parts) {
      for (const g of p.gpus) {
        if (fraction === null) g.holder = r.id;
        else if (g.holder === null && g.sharedUsed === 0) g.sharedUsed = fraction;
      }
    }
    this.account(alloc, +1);
    for (const p of parts) p.node.allocs.add(alloc);
    this.allocs.set(alloc.jobId, alloc);
  }

  /** Commit a planned start (or re-add a removed job). GPUs must be free. */
  allocate(alloc: Alloc): void {
    for (const p of alloc.parts) {
      for (const g of p.gpus) {
        if (alloc.fraction !== null) {
          g.sharedUsed += alloc.fraction;
          this.trackShared(g);
        } else {
          if (g.holder !== null || g.sharedUsed > 0) throw new Error(`GPU ${g.uuid} is not free for ${alloc.jobId}`);
          g.holder = alloc.jobId;
        }
      }
      p.node.allocs.add(alloc);
      p.node.version++;
      this.refresh(p.node);
    }
    this.account(alloc, +1);
    this.allocs.set(alloc.jobId, alloc);
  }

  /** Take a job off its GPUs; returns what it held. */
  release(jobId: string): Alloc | undefined {
    const alloc = this.allocs.get(jobId);
    if (!alloc) return undefined;
    for (const p of alloc.parts) {
      for (const g of p.gpus) {
        if (alloc.fraction !== null) {
          g.sharedUsed = Math.max(0, g.sharedUsed - alloc.fraction);
          if (g.sharedUsed < 1e-9) g.sharedUsed = 0;
          this.trackShared(g);
        } else if (g.holder === jobId) g.holder = null;
      }
      p.node.allocs.delete(alloc);
      p.node.version++;
      this.refresh(p.node);
    }
    this.account(alloc, -1);
    this.allocs.delete(jobId);
    return alloc;
  }

  /** What-if: remove these jobs; call the returned function to put everything back. */
  simulateRemoval(jobIds: readonly string[]): () => void {
    const removed: Alloc[] = [];
    for (const id of jobIds) {
      const a = this.release(id);
      if (a) removed.push(a);
    }
    return () => {
      for (let i = removed.length - 1; i >= 0; i--) this.allocate(removed[i] as Alloc);
    };
  }

  allocIn(pool: string | null, treeIdx: number): number {
    if (pool === null) return this.allocTotal[treeIdx] as number;
    return this.allocByPool.get(pool)?.[treeIdx] ?? 0;
  }

  totalFree(): number {
    let f = 0;
    for (const v of this.freeByPool.values()) f += v;
    return f;
  }

  freeIn(pool: string): number {
    return this.freeByPool.get(pool) ?? 0;
  }

  qosUsedByUser(qos: string, user: string): number {
    return this.qosUser.get(qos)?.get(user) ?? 0;
  }

  qosUsedByAccount(qos: string, account: string): number {
    return this.qosAccount.get(qos)?.get(account) ?? 0;
  }

  private account(alloc: Alloc, sign: 1 | -1): void {
    const first = alloc.parts[0]?.node;
    if (first) {
      first.usedCpus += alloc.cpus * sign;
      first.usedMemoryMiB += alloc.memoryMiB * sign;
    }
    const g = alloc.gpus * sign;
    let byPool = this.allocByPool.get(alloc.pool);
    if (!byPool) {
      byPool = new Float64Array(this.tree.nodes.length);
      this.allocByPool.set(alloc.pool, byPool);
    }
    for (let i = alloc.leaf; i >= 0; i = (this.tree.nodes[i] as TreeNode).parent) {
      this.allocTotal[i] = (this.allocTotal[i] as number) + g;
      byPool[i] = (byPool[i] as number) + g;
    }
    bump(this.qosUser, alloc.qos, alloc.user, g);
    bump(this.qosAccount, alloc.qos, alloc.account, g);
  }

  private trackShared(g: GpuState): void {
    if (g.holder === null && g.sharedUsed > 0 && g.sharedUsed < 1 - 1e-9 && g.node.schedulable) this.sharedOpen.add(g);
    else this.sharedOpen.delete(g);
  }

  private refresh(node: NodeState): void {
    const f = countFree(node);
    if (f === node.free) return;
    if (node.schedulable) {
      this.index.move(node.classId, node.free, f, node.idx);
      this.freeByPool.set(node.pool, (this.freeByPool.get(node.pool) ?? 0) + f - node.free);
    }
    node.free = f;
  }
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

function isSortedByName(nodes: readonly NodeSnapshot[]): boolean {
  for (let i = 1; i < nodes.length; i++) if ((nodes[i] as NodeSnapshot).name <= (nodes[i - 1] as NodeSnapshot).name) return false;
  return true;
}

function bump(m: Map<string, Map<string, number>>, a: string, b: string, by: number): void {
  let inner = m.get(a);
  if (!inner) {
    inner = new Map();
    m.set(a, inner);
  }
  inner.set(b, (inner.get(b) ?? 0) + by);
}

function countFree(node: NodeState): number {
  let f = 0;
  for (const g of node.gpus) if (g.holder === null && g.sharedUsed === 0) f++;
  return f;
}
