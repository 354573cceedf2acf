/**
 * The per-cycle view of GPUs, nodes and allocations that ClusterState keeps
 * (mutable only through ClusterState).
 */
import type { EpochMs } from '../types';

export interface GpuState {
  readonly uuid: string;
  readonly index: number;
  readonly model: string;
  readonly domain: string | null;
  readonly node: NodeState;
  /** Whole-GPU holder. */
  holder: string | null;
  /** Sum of fractions held by fractional jobs. */
  sharedUsed: number;
}

export interface NodeState {
  readonly idx: number;
  readonly name: string;
  readonly pool: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly schedulable: boolean;
  readonly gpus: readonly GpuState[];
  readonly size: number;
  readonly models: readonly string[];
  /** Largest NVLink domain (0 when the node reports none). */
  readonly maxDomainSize: number;
  readonly classId: number;
  /** GPUs with no holder and no fractional use. */
  free: number;
  /** CPU cores and memory (0 = unknown), and what its jobs ask for. */
  readonly cpus: number;
  readonly memoryMiB: number;
  usedCpus: number;
  usedMemoryMiB: number;
  readonly allocs: Set<Alloc>;
  /** Bumped whenever `allocs` changes (lets per-node caches know they are stale). */
  version: number;
  /** Scratch space of the backfill planner (its own cache, checked against `version`). */
  endsCache: unknown;
}

export interface AllocPart {
  readonly node: NodeState;
  readonly gpus: readonly GpuState[];
}

export interface Alloc {
  readonly jobId: string;
  readonly account: string;
  readonly user: string;
  readonly leaf: number;
  readonly qos: string;
  /** GPUs held (a fraction for a shared GPU); 0 for a CPU-only job (one part, no GPUs). */
  readonly gpus: number;
  /** CPU cores and memory asked for (0 = not said), counted on the first part's node. */
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly parts: readonly AllocPart[];
  /** Fraction of the single shared GPU, or null for whole GPUs. */
  readonly fraction: number | null;
  readonly pool: string;
  readonly startedAt: EpochMs;
  /** Expected end: start + time limit, never before now. */
  readonly endAt: EpochMs;
  readonly preemptCount: number;
  readonly checkpointable: boolean;
  /** Stop already requested (daemon) or chosen as a victim in this cycle. */
  stopping: boolean;
  /** Planned in this cycle (not a candidate for anything). */
  readonly planned: boolean;
}
