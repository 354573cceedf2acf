/**
 * Scheduler configuration: one complete default, partial overrides merged by
 * `mergeConfig`. Everything the policy depends on lives here (no globals).
 */

export interface QosSpec {
  /** Raw QOS priority; its factor is priority / (largest priority of any QOS). */
  priority: number;
  /** May be stopped by fair-share time-slicing (borrowed GPUs are reclaimable whatever this says). */
  preemptible: boolean;
  /** QOS classes whose (preemptible) jobs this QOS may preempt after their minimum runtime (Slurm `Preempt=`). */
  canPreempt: string[];
  /** Longest time limit a job of this QOS may ask for; null = no limit. */
  maxWallSec: number | null;
  maxGpusPerUser: number | null;
  maxGpusPerAccount: number | null;
}

export interface PriorityWeights {
  fairshare: number;
  age: number;
  jobSize: number;
  qos: number;
}

export interface SchedulerConfig {
  /** Upper bound of jobs started in one cycle, to keep cycles short under floods. */
  maxStartsPerCycle: number;
  /** Cadence of periodic cycles (the daemon's loop; the simulator uses the same). */
  cycleSec: number;
  /** `priority`: multifactor order; `fifo`: submission order only (and no time-slicing). */
  queueOrder: 'priority' | 'fifo';
  fairshare: {
    algorithm: 'fair-tree' | 'classic';
    /** Half-life of usage decay (default 7 days). Used by the ledger helpers. */
    halfLifeSec: number;
    /** Billing weight per GPU model (usage = GPU-seconds x weight). */
    billingWeights: Record<string, number>;
    defaultBillingWeight: number;
  };
  priority: {
    weights: PriorityWeights;
    /** Age factor reaches 1 at this age. */
    maxAgeSec: number;
    /**
     * Ages are measured at multiples of this period (Slurm's PriorityCalcPeriod), so
     * priorities are piecewise constant and the plan is stable between recalculations.
     */
    calcPeriodSec: number;
    /** Job-size factor favours small jobs (true) or large ones (false). */
    favorSmall: boolean;
    /**
     * What "size" means: GPUs asked for, or GPU-time (GPUs x time limit), which with
     * favorSmall orders short small jobs first inside the fair-share order (lower mean wait).
     */
    sizeBasis: 'gpus' | 'gpuTime';
    /**
     * `absolute`: log scale against the cluster (GPUs, or GPU-time of the cluster for a week);
     * `relative`: the job's rank among the sizes pending in this cycle (smallest 0, largest 1),
     * which spreads the factor over [0,1] whatever the workload.
     */
    sizeScale: 'absolute' | 'relative';
    /**
     * Every account's first job goes ahead of the jobs of accounts with a lower fair-share
     * factor (same QOS class; queue-order.ts): the size factor still orders each backlog but
     * cannot keep a less-served account's best job waiting behind a better-served one's.
     */
    accountHeadsFirst: boolean;
    /**
     * A job that has waited this many times its own time limit is starving: it goes ahead of
     * the jobs of its QOS class (and lower) that are not, the longest-waiting first, so it gets
     * the first reservation and its start stops sliding back behind newer, preferred jobs.
     * Relative to the limit, so short jobs are rescued sooner; 0 = off.
     */
    starvationLimits: number;
  };
  qos: Record<string, QosSpec>;
  defaultQos: string;
  preemption: {
    enabled: boolean;
    /** A job runs at least this long before time-slicing may stop it. */
    sliceQuantumSec: number;
    /** No preemption of any kind before this runtime. */
    minRuntimeSec: number;
    /** A job preempted this many times is not preempted again. */
    maxPreemptionsPerJob: number;
    /** Requeued (already preempted) jobs may trigger time-slicing; false breaks every preemption loop. */
    requeuedMayPreempt: boolean;
    /** Waiting jobs that may preempt in one cycle. */
    maxWaitersPerCycle: number;
    /** Time-slicing only helps a waiter that would otherwise wait at least this long (its reservation is later). */
    minWaitSec: number;
    /**
     * A job that cannot checkpoint loses its work when stopped: time-slicing stops it only while
     * it has run at most this long and has at least as long left (by its time limit) as it has run.
     */
    maxLostWorkSec: number;
  };
  backfill: {
    enabled: boolean;
    /** Blocked jobs (highest priority first) that get a reservation. */
    reservations: number;
    /**
     * Jobs at the head of the queue (this many) that exactly fill a node's free GPUs start
     * there before the priority walk, where they delay none of its reservations; 0 = off.
     * Only with the `priority` queue order.
     */
    exactFitDepth: number;
  };
  estimates: {
    /** Jobs behind the head examined per simulated event when estimating starts. */
    scanDepth: number;
    /** Estimates further than this are reported as null (unknown). */
    horizonSec: number;
  };
  /** Pool of nodes that do not name one. */
  defaultPool: string;
  /** Per-job priority breakdown, position in account and the fair-share report in results. */
  explainDetail: boolean;
}

export const DEFAULT_QOS: Record<string, QosSpec> = {
  interactive: {
    priority: 100,
    preemptible: false,
    canPreempt: ['scavenger'],
    maxWallSec: 12 * 3600,
    maxGpusPerUser: 4,
    maxGpusPerAccount: null,
  },
  batch: {
    priority: 50,
    preemptible: true,
    canPreempt: ['scavenger'],
    maxWallSec: 14 * 24 * 3600,
    maxGpusPerUser: null,
    maxGpusPerAccount: null,
  },
  scavenger: {
    priority: 0,
    preemptible: true,
    canPreempt: [],
    maxWallSec: null,
    maxGpusPerUser: null,
    maxGpusPerAccount: null,
  },
};

export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = {
  maxStartsPerCycle: 1000,
  cycleSec: 10,
  queueOrder: 'priority',
  fairshare: { algorithm: 'fair-tree', halfLifeSec: 7 * 24 * 3600, billingWeights: {}, defaultBillingWeight: 1 },
  priority: {
    weights: { fairshare: 10_000, age: 2_000, jobSize: 10_000, qos: 20_000 },
    maxAgeSec: 7 * 24 * 3600,
    calcPeriodSec: 60,
    favorSmall: true,
    sizeBasis: 'gpuTime',
    sizeScale: 'relative',
    accountHeadsFirst: true,
    starvationLimits: 8,
  },
  qos: DEFAULT_QOS,
  defaultQos: 'batch',
  preemption: {
    enabled: true,
    sliceQuantumSec: 1800,
    minRuntimeSec: 300,
    maxPreemptionsPerJob: 1,
    requeuedMayPreempt: false,
    maxWaitersPerCycle: 32,
    minWaitSec: 1800,
    maxLostWorkSec: 4 * 3600,
  },
  backfill: { enabled: true, reservations: 16, exactFitDepth: 16 },
  estimates: { scanDepth: 64, horizonSec: 60 * 24 * 3600 },
  defaultPool: 'default',
  explainDetail: true,
};

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Overrides on top of a complete config (records such as `qos` replace entries per key). */
export function mergeConfig(over: DeepPartial<SchedulerConfig>, base: SchedulerConfig = DEFAULT_SCHEDULER_CONFIG): SchedulerConfig {
  return merge(base, over) as SchedulerConfig;
}

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (over === null || typeof over !== 'object' || Array.isArray(over)) return over;
  if (base === null || typeof base !== 'object' || Array.isArray(base)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = merge(out[k], v);
  return out;
}
