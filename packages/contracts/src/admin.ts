import { z } from 'zod';
import { Identifier } from './api';
import { JobState, PendingReason } from './job';

/** Admin inputs and views: the account tree, members, quotas, QOS classes, users; and the queue. */

const shares = z.number().int('must be a whole number').min(0).max(1_000_000);
const gpuCount = z.number().int().min(0).max(100_000).nullable();
const minutes = z.number().int().min(1).max(10 * 365 * 24 * 60).nullable();
const description = z.string().trim().max(500);
export const UNIX_NAME = /^[a-z_][a-z0-9_.-]{0,31}$/;

export const AccountCreateInput = z.strictObject({
  name: Identifier,
  /** Parent account; absent or null = a child of the root. */
  parent: Identifier.nullable().optional(),
  shares: shares.default(1),
  description: description.default(''),
  /** GPU-hours per calendar month; null = no budget. */
  budgetGpuHours: z.number().min(0).nullable().optional(),
});
export type AccountCreateInput = z.infer<typeof AccountCreateInput>;

export const AccountUpdateInput = z.strictObject({
  parent: Identifier.nullable().optional(),
  shares: shares.optional(),
  description: description.optional(),
  budgetGpuHours: z.number().min(0).nullable().optional(),
});
export type AccountUpdateInput = z.infer<typeof AccountUpdateInput>;

export const MemberInput = z.strictObject({ shares: shares.default(1) });
export type MemberInput = z.infer<typeof MemberInput>;

export const QuotaInput = z
  .strictObject({ guaranteedGpus: gpuCount.default(null), maxGpus: gpuCount.default(null) })
  .refine((q) => q.guaranteedGpus === null || q.maxGpus === null || q.guaranteedGpus <= q.maxGpus, {
    message: 'must not be more than maxGpus',
    path: ['guaranteedGpus'],
  });
export type QuotaInput = z.infer<typeof QuotaInput>;

/** Pool name in a quota URL: `_all` (or an empty string) means every pool together. */
export const ALL_POOLS = '_all';

export const AccountView = z.object({
  name: z.string(),
  parent: z.string().nullable(),
  shares: z.number().int(),
  description: z.string(),
  budgetGpuHours: z.number().nullable(),
  members: z.array(z.object({ user: z.string(), shares: z.number().int() })),
  /** pool "" = all pools. */
  quotas: z.array(z.object({ pool: z.string(), guaranteedGpus: z.number().int().nullable(), maxGpus: z.number().int().nullable() })),
  createdAt: z.iso.datetime(),
});
export type AccountView = z.infer<typeof AccountView>;

const qosFields = {
  priority: z.number().int().min(0).max(1_000_000),
  preemptible: z.boolean(),
  /** QOS names whose jobs this one may preempt. */
  canPreempt: z.array(Identifier).max(32),
  maxWallMinutes: minutes,
  maxGpusPerUser: gpuCount,
  maxGpusPerAccount: gpuCount,
  cpusPerGpu: z.number().int().min(1).max(1024),
  memoryMiBPerGpu: z.number().int().min(64).max(16 * 1024 * 1024),
  idleTimeoutMinutes: minutes,
  maxLifetimeMinutes: minutes,
  description,
};

export const QosCreateInput = z.strictObject({
  name: Identifier,
  priority: qosFields.priority,
  preemptible: qosFields.preemptible.default(false),
  canPreempt: qosFields.canPreempt.default([]),
  maxWallMinutes: qosFields.maxWallMinutes.default(null),
  maxGpusPerUser: qosFields.maxGpusPerUser.default(null),
  maxGpusPerAccount: qosFields.maxGpusPerAccount.default(null),
  cpusPerGpu: qosFields.cpusPerGpu.default(4),
  memoryMiBPerGpu: qosFields.memoryMiBPerGpu.default(16384),
  idleTimeoutMinutes: qosFields.idleTimeoutMinutes.default(null),
  maxLifetimeMinutes: qosFields.maxLifetimeMinutes.default(null),
  description: qosFields.description.default(''),
});
export type QosCreateInput = z.infer<typeof QosCreateInput>;

export const QosUpdateInput = z.strictObject(qosFields).partial();
export type QosUpdateInput = z.infer<typeof QosUpdateInput>;

export const QosView = z.object({ name: z.string(), ...qosFields, description: z.string() });
export type QosView = z.infer<typeof QosView>;

export const UserUpdateInput = z.strictObject({
  unixUser: z.string().regex(UNIX_NAME, 'unixUser: a Unix account name (lowercase letters, digits, . _ -)').nullable().optional(),
  /** Account charged when a job names none; null = the first membership. */
  defaultAccount: Identifier.nullable().optional(),
  role: z.enum(['admin', 'user']).optional(),
});
export type UserUpdateInput = z.infer<typeof UserUpdateInput>;

/** One pending job in queue order (like `squeue`): others' names and commands are hidden unless admin. */
export const QueueEntry = z.object({
  id: z.string(),
  /** null when hidden (another user's job). */
  name: z.string().nullable(),
  command: z.string().nullable(),
  user: z.string(),
  account: z.string(),
  qos: z.string(),
  state: JobState,
  gpus: z.number(),
  timeLimitMinutes: z.number().int(),
  reason: PendingReason.nullable(),
  reasonText: z.string().nullable(),
  /** null until the scheduler has explained it. */
  position: z.number().int().nullable(),
  positionInAccount: z.number().int().nullable(),
  estimatedStart: z.iso.datetime().nullable(),
  priority: z.number().nullable(),
  submittedAt: z.iso.datetime(),
  /** The caller's own job. */
  mine: z.boolean(),
});
export type QueueEntry = z.infer<typeof QueueEntry>;

export const QueueView = z.object({ jobs: z.array(QueueEntry) });
export type QueueView = z.infer<typeof QueueView>;
