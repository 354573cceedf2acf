import { z } from 'zod';
import { ContainerImage } from './container-image';
import { EndReason, JobKind, JobState, PendingReason } from './job';
import { LIMITS } from './limits';

/** REST v1 and UI request/response shapes. The same schemas validate every entry point. */

const jobName = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(LIMITS.maxNameLength)
  .regex(/^[A-Za-z0-9._ -]+$/, 'name may contain letters, digits, space, dot, dash and underscore');

/** Account, QOS, pool and GPU model names: short identifiers. */
export const Identifier = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, dot, dash and underscore (starting with a letter or digit)');

export const JobSubmitInput = z.strictObject({
  command: z.string().trim().min(1, 'command must not be empty').max(LIMITS.maxCommandLength),
  gpus: z.number().int().min(0).max(LIMITS.maxGpusPerJob).default(1),
  timeLimitMinutes: z.number().int().min(1).max(LIMITS.maxTimeLimitMinutes).default(60),
  name: jobName.optional(),
  /** Account charged; default: the user's default account. The user must be a member. */
  account: Identifier.optional(),
  /** QOS class; default `batch`. */
  qos: Identifier.optional(),
  /** Only GPUs of this model (as nvidia-smi names it, e.g. "NVIDIA H100 80GB HBM3"). */
  gpuModel: z.string().trim().min(1).max(128).optional(),
  /** Only nodes of this pool (partition). */
  pool: Identifier.optional(),
  /** Ids of jobs that must have finished first. */
  dependsOn: z.array(z.string().regex(/^\d{1,15}$/, 'job ids are digits')).max(64).optional(),
  /** CPU cores and memory; default from the QOS, per GPU. */
  cpus: z.number().int().min(1).max(1024).optional(),
  memoryMiB: z.number().int().min(64).max(16 * 1024 * 1024).optional(),
  /** Requeue when preempted or when its node is lost (default true). */
  requeue: z.boolean().optional(),
  /** The job saves its state on SIGTERM and resumes when requeued. */
  checkpointable: z.boolean().optional(),
  /** Run the command in this container image (podman on the node): the node's local store, or a registry the site allows. */
  image: ContainerImage.optional(),
});
export type JobSubmitInput = z.infer<typeof JobSubmitInput>;

const PriorityFactors = z.object({ fairshare: z.number(), age: z.number(), jobSize: z.number(), qos: z.number() });

/** Multifactor priority: each factor in [0,1], times its weight, plus the admin's base priority. */
export const PriorityBreakdown = z.object({
  total: z.number(),
  base: z.number(),
  factors: PriorityFactors,
  weights: PriorityFactors,
  weighted: PriorityFactors,
});
export type PriorityBreakdown = z.infer<typeof PriorityBreakdown>;

export const JobView = z.object({
  id: z.string(),
  name: z.string(),
  kind: JobKind,
  user: z.string(),
  state: JobState,
  command: z.string(),
  /** Container image the command runs in; null = directly on the node. */
  image: z.string().nullable(),
  gpus: z.number().int(),
  timeLimitMinutes: z.number().int(),
  exitCode: z.number().int().nullable(),
  reason: z.union([PendingReason, EndReason]).nullable(),
  reasonText: z.string().nullable(),
  node: z.string().nullable(),
  gpuUuids: z.array(z.string()),
  submittedAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
  account: z.string(),
  qos: z.string(),
  preemptCount: z.number().int(),
  /** Holds GPUs above its account's guarantee: may be preempted when the lender needs them. */
  borrowed: z.boolean(),
  /** Pending jobs only (else null), as of the scheduler's last cycle: */
  /** 1-based place in the whole queue. */
  position: z.number().int().nullable(),
  /** 1-based place among its account's pending jobs. */
  positionInAccount: z.number().int().nullable(),
  /** When it is expected to start if running jobs use their whole time limit; null = unknown. */
  estimatedStart: z.iso.datetime().nullable(),
  priority: PriorityBreakdown.nullable(),
});
export type JobView = z.infer<typeof JobView>;

export const JobList = z.object({ jobs: z.array(JobView) });
export type JobList = z.infer<typeof JobList>;

/** jupyter: JupyterLab; terminal: a login shell in the browser; ray: a Ray cluster (head + a worker per further node). */
export const SESSION_TEMPLATES = ['jupyter', 'terminal', 'ray'] as const;
export const SessionTemplate = z.enum(SESSION_TEMPLATES);
export type SessionTemplate = z.infer<typeof SessionTemplate>;

export const SessionCreateInput = z.strictObject({
  template: SessionTemplate,
  gpus: z.number().int().min(0).max(8).default(1),
  hours: z.number().min(0.25).max(72).default(4),
  /** Stop it after this long without activity (never later than the QOS or account allows). */
  idleTimeoutMinutes: z.number().int().min(5).max(7 * 24 * 60).optional(),
});
export type SessionCreateInput = z.infer<typeof SessionCreateInput>;

export const SESSION_STATES = ['PENDING', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'FAILED'] as const;
export const SessionState = z.enum(SESSION_STATES);
export type SessionState = z.infer<typeof SessionState>;

export const SessionView = z.object({
  id: z.string(),
  template: SessionTemplate,
  state: SessionState,
  url: z.string().nullable(),
  gpus: z.number().int(),
  /** The first (or only) node; a Ray cluster's head. */
  node: z.string().nullable(),
  /** Every node it holds GPUs on, first = `node` (a Ray cluster: head, then workers). */
  nodes: z.array(z.string()),
  reason: z.union([PendingReason, EndReason]).nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  endsAt: z.iso.datetime().nullable(),
  /** Last activity seen (through the portal or on the node); null before any. */
  lastActivityAt: z.iso.datetime().nullable(),
  /** Set once the session is idle long enough to be warned: when it stops unless used. */
  idleStopsAt: z.iso.datetime().nullable(),
});
export type SessionView = z.infer<typeof SessionView>;

export const NodeView = z.object({
  name: z.string(),
  state: z.enum(['UP', 'DOWN', 'DRAIN']),
  drainReason: z.string().nullable().optional(),
  cpus: z.number().int(),
  memoryMiB: z.number().int(),
  lastSeenAt: z.iso.datetime().nullable(),
  gpus: z.array(
    z.object({ index: z.number().int(), uuid: z.string(), model: z.string(), memoryMiB: z.number().int(), jobId: z.string().nullable() }),
  ),
});
export type NodeView = z.infer<typeof NodeView>;

export const Health = z.object({
  status: z.literal('ok'),
  scheduler: z.enum(['up', 'down']),
  nodes: z.number().int(),
  gpus: z.object({ total: z.number().int(), used: z.number().int() }),
});
export type Health = z.infer<typeof Health>;

export const TokenCreated = z.object({ token: z.string(), expiresAt: z.iso.datetime().nullable() });

export const ApiErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** One row of the fair-share standing (like `sshare -l`): an account (user null) or a user in it. */
export const FairshareRowView = z.object({
  account: z.string(),
  user: z.string().nullable(),
  parent: z.string().nullable(),
  depth: z.number().int(),
  rawShares: z.number(),
  normShares: z.number(),
  globalShares: z.number(),
  rawUsage: z.number(),
  normUsage: z.number(),
  effectiveUsage: z.number(),
  levelFairshare: z.number().nullable(),
  fairshareFactor: z.number(),
  allocatedGpus: z.number(),
  /** The standing in plain words, e.g. "used 12% of the cluster against a 33% share". */
  summary: z.string(),
});
export type FairshareRowView = z.infer<typeof FairshareRowView>;

export const FairshareView = z.object({
  algorithm: z.enum(['fair-tree', 'classic']),
  /** Usage half-life in seconds. */
  halfLifeSec: z.number(),
  /** When the scheduler computed it; null before its first cycle. */
  at: z.iso.datetime().nullable(),
  rows: z.array(FairshareRowView),
});
export type FairshareView = z.infer<typeof FairshareView>;
