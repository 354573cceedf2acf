import type { PendingReason } from '@sluice/contracts';
import type { FairshareReport } from './accounts/fairshare-report';
import type { PriorityBreakdown } from './priority';

/** Milliseconds since the Unix epoch. The core never reads a clock: `now` comes in. */
export type EpochMs = number;

/** Deterministic randomness, seeded by the caller (e.g. from the cycle number). */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
}

/** One job's share of a shared (fractional) GPU. */
export interface GpuShare {
  jobId: string;
  /** Fraction of the GPU, in (0, 1). */
  fraction: number;
}

export interface GpuSlot {
  uuid: string;
  index: number;
  model: string;
  /** Job holding this GPU, or null when free. */
  jobId: string | null;
  /** NVLink (or NUMA) domain the GPU belongs to, when the agent reports one. */
  nvlinkDomain?: string | number;
  /** Jobs holding fractions of this GPU (then `jobId` is null). */
  shared?: GpuShare[];
}

export interface NodeSnapshot {
  name: string;
  /** False for nodes that are down or drained: nothing new is placed there. */
  schedulable: boolean;
  gpus: GpuSlot[];
  /** Pool (partition); default `"default"`. */
  pool?: string;
  /** Free-form labels a job can select on (`nodeSelector`). */
  labels?: Record<string, string>;
  /** CPU cores and memory of the node; absent or 0 = unknown (jobs without GPUs are then not limited). */
  cpus?: number;
  memoryMiB?: number;
}

export interface PendingJob {
  id: string;
  user: string;
  account: string;
  /**
   * GPUs asked for; a fraction below 1 (0.5, 0.25) asks for a share of one GPU; 0 = a CPU-only
   * job, placed where its `cpus` and `memoryMiB` fit next to what the node's jobs ask for.
   */
  gpus: number;
  /** CPU cores and memory asked for (limits on the node; they place jobs without GPUs). */
  cpus?: number;
  memoryMiB?: number;
  submittedAt: EpochMs;
  timeLimitSec: number;
  /** Admin-set base priority; added to the multifactor priority. */
  basePriority: number;
  /** QOS class; default `config.defaultQos` (`batch`). */
  qos?: string;
  /** Only GPUs of this model. */
  gpuModel?: string;
  /** Only nodes of this pool. */
  pool?: string;
  /** Only nodes carrying all these labels. */
  nodeSelector?: Record<string, string>;
  /** Jobs that must be gone (finished) first: waits while any of them is pending or running. */
  dependsOn?: string[];
  /** Times this job was already preempted and requeued (anti-thrash; default 0). */
  preemptCount?: number;
  /** Saves its state on SIGTERM and resumes when requeued (so preempting it loses little). */
  checkpointable?: boolean;
}

/** One node's part of a (multi-node) allocation. */
export interface NodePart {
  node: string;
  gpuUuids: string[];
}

export interface RunningJob {
  id: string;
  user: string;
  account: string;
  node: string;
  gpuUuids: string[];
  startedAt: EpochMs;
  timeLimitSec: number;
  qos?: string;
  /** GPUs held; default `gpuUuids.length` (summed over `nodes`); below 1 for a fractional share. */
  gpus?: number;
  /** All parts of a multi-node (gang) allocation, first part = `node`/`gpuUuids`. */
  nodes?: NodePart[];
  /** Times it was preempted before this run (default 0). */
  preemptCount?: number;
  /** A stop (preemption) was already sent; its GPUs free up soon. */
  stopping?: boolean;
  /** Saves its state on SIGTERM and resumes when requeued (so preempting it loses little). */
  checkpointable?: boolean;
  /** CPU cores and memory it asked for (counted on its first node). */
  cpus?: number;
  memoryMiB?: number;
}

/** Per-pool quota of an account; `pool` absent = all pools together. */
export interface QuotaSpec {
  pool?: string;
  /** GPUs the account can always get (borrowed ones are reclaimed for it). */
  guaranteedGpus?: number;
  /** Hard cap, borrowing included. */
  maxGpus?: number;
}

/** One node of the account tree (root -> department -> lab/project); users are leaves listed in `users`. */
export interface AccountSpec {
  name: string;
  /** Parent account; absent/null = child of the root. */
  parent?: string | null;
  /** Fair-share weight among its siblings (default 1). */
  shares?: number;
  /** Users of this account and their shares (default 1 each; users seen on jobs are added with 1). */
  users?: Record<string, number>;
  quotas?: QuotaSpec[];
  /** GPU-hours allowed per budget period (the caller defines the period). */
  budgetGpuHours?: number;
}

export interface ClusterSnapshot {
  nodes: NodeSnapshot[];
  pending: PendingJob[];
  running: RunningJob[];
  /** Account tree; absent = every account a child of the root with 1 share. */
  accounts?: AccountSpec[];
  /** Decayed, billing-weighted GPU-seconds per account and user (the ledger helpers keep it). */
  usage?: Record<string, Record<string, number>>;
  /** GPU-hours used in the current budget period, per account (own, not descendants). */
  budgetUsedGpuHours?: Record<string, number>;
}

export interface Placement {
  jobId: string;
  /** First (or only) node. */
  node: string;
  /** GPUs on `node`. */
  gpuUuids: string[];
  /** Every part of a multi-node (gang) start, first part = `node`/`gpuUuids`. Absent for one node. */
  nodes?: NodePart[];
  /** Above the account's guarantee: may be reclaimed when a lender needs its GPUs. */
  borrowed?: boolean;
  /** Fraction of one shared GPU, for fractional jobs. */
  fraction?: number;
}

/** Why a running job is stopped and requeued. */
export type PreemptReason =
  /** A lender below its guarantee needs GPUs this job borrowed. */
  | 'ReclaimBorrowed'
  /** Its QOS may be preempted by the waiting job's QOS (e.g. scavenger). */
  | 'QosPreempt'
  /** Time-slicing: its account is over-served and an under-served account waits. */
  | 'FairShareTimeSlice';

export interface Preemption {
  jobId: string;
  reason: PreemptReason;
  /** The waiting job the GPUs are freed for. */
  forJobId: string;
}

/** GPUs held back from now on for a blocked high-priority job (backfill may not delay it). */
export interface Reservation {
  jobId: string;
  start: EpochMs;
  end: EpochMs;
  nodes: string[];
}

export interface PendingExplanation {
  reason: PendingReason;
  /** 1-based position in the queue order (pending jobs only). */
  position: number;
  /** Estimated start, or null when unknown. */
  estimatedStart: EpochMs | null;
  /** 1-based position among its account's pending jobs (with `explainDetail`). */
  positionInAccount?: number;
  /** Multifactor priority and its parts (with `explainDetail`). */
  priority?: PriorityBreakdown;
  /** The job being preempted for / blocking it, when there is one. */
  detail?: string;
}

export interface Plan {
  start: Placement[];
  /** Running jobs to stop and requeue. */
  preempt: Preemption[];
  reservations?: Reservation[];
}

export interface CycleResult {
  plan: Plan;
  pending: Record<string, PendingExplanation>;
  /** Fair-share standing per account and user (like `sshare`), with `explainDetail`. */
  fairshare?: FairshareReport;
  /**
   * Earliest time at which a cycle with no new event (submit, finish, node or
   * usage change) could decide differently: `now` right after a plan that did
   * something, null when only an event can change anything. A daemon may
   * ignore it; the simulator skips periodic cycles before it.
   */
  wakeAt?: EpochMs | null;
}
