import { z } from 'zod';
import { EndReason, JobKind, JobState, PendingReason } from './job';
import { LIMITS } from './limits';

/** REST v1 and UI request/response shapes. The same schemas validate every entry point. */

const jobName = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(LIMITS.maxNameLength)
  .regex(/^[A-Za-z0-9._ -]+$/, 'name may contain letters, digits, space, dot, dash and underscore');

export const JobSubmitInput = z.strictObject({
  command: z.string().trim().min(1, 'command must not be empty').max(LIMITS.maxCommandLength),
  gpus: z.number().int().min(0).max(LIMITS.maxGpusPerJob).default(1),
  timeLimitMinutes: z.number().int().min(1).max(LIMITS.maxTimeLimitMinutes).default(60),
  name: jobName.optional(),
});
export type JobSubmitInput = z.infer<typeof JobSubmitInput>;

export const JobView = z.object({
  id: z.string(),
  name: z.string(),
  kind: JobKind,
  user: z.string(),
  state: JobState,
  command: z.string(),
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
});
export type JobView = z.infer<typeof JobView>;

export const JobList = z.object({ jobs: z.array(JobView) });
export type JobList = z.infer<typeof JobList>;

export const SESSION_TEMPLATES = ['jupyter'] as const;
export const SessionTemplate = z.enum(SESSION_TEMPLATES);
export type SessionTemplate = z.infer<typeof SessionTemplate>;

export const SessionCreateInput = z.strictObject({
  template: SessionTemplate,
  gpus: z.number().int().min(0).max(8).default(1),
  hours: z.number().min(0.25).max(72).default(4),
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
  node: z.string().nullable(),
  reason: z.union([PendingReason, EndReason]).nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  endsAt: z.iso.datetime().nullable(),
});
export type SessionView = z.infer<typeof SessionView>;

export const NodeView = z.object({
  name: z.string(),
  state: z.enum(['UP', 'DOWN', 'DRAIN']),
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
