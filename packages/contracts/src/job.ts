import { z } from 'zod';

/** Every state a job (batch or interactive session) can be in. */
export const JOB_STATES = [
  'PENDING',
  'STARTING',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'PREEMPTED',
  'NODE_FAIL',
] as const;
export const JobState = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobState>;

/** States a job never leaves. */
/** PREEMPTED is final only for jobs that asked not to be requeued; the others go back to PENDING. */
export const FINAL_JOB_STATES: readonly JobState[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED'];
export const isFinalJobState = (s: JobState): boolean => FINAL_JOB_STATES.includes(s);

/** States that hold GPUs on a node. */
export const ACTIVE_JOB_STATES: readonly JobState[] = ['STARTING', 'RUNNING'];

export const JobKind = z.enum(['batch', 'session']);
export type JobKind = z.infer<typeof JobKind>;

/** Why a pending job is not running (shown to users; never log text). */
export const PENDING_REASONS = [
  'Priority',
  'Resources',
  'QuotaGuarantee',
  'QuotaMax',
  'Budget',
  'Dependency',
  'Reservation',
  'NodeDown',
  'Unplaceable',
  'QosLimit',
  'WallTimeLimit',
  'InvalidQos',
  'Preempting',
] as const;
export const PendingReason = z.enum(PENDING_REASONS);
export type PendingReason = z.infer<typeof PendingReason>;

/** Why a job ended the way it did (beyond its state). */
export const END_REASONS = ['Cancelled', 'TimeLimit', 'NonZeroExit', 'LaunchFailed', 'NodeLost', 'Signal', 'OutOfMemory', 'Preempted', 'Idle', 'MaxLifetime', 'NoUnixAccount', 'NoContainerRuntime', 'ImageNotFound'] as const;
export const EndReason = z.enum(END_REASONS);
export type EndReason = z.infer<typeof EndReason>;

export const REASON_TEXT: Record<PendingReason | EndReason, string> = {
  Priority: 'Higher-priority jobs are ahead of this one in the queue.',
  Resources: 'Not enough free GPUs right now; it starts when running jobs finish.',
  QuotaGuarantee: 'The account is using its guaranteed GPUs.',
  QuotaMax: 'The account is at its maximum number of GPUs.',
  Budget: "The account's GPU-hour budget for this period is spent.",
  Dependency: 'Waiting for another job to finish.',
  Reservation: 'GPUs are reserved for a higher-priority job.',
  NodeDown: 'The nodes that could run it are down or drained.',
  Unplaceable: 'No node in the cluster can run this request (too many GPUs, or no node of its GPU model, pool or container runtime).',
  QosLimit: "The user or account is at its QOS's GPU limit.",
  WallTimeLimit: "The time limit is longer than its QOS's maximum wall time.",
  InvalidQos: 'The job names a QOS that does not exist.',
  Preempting: 'GPUs are being freed for it: lower-priority or over-served jobs are being preempted.',
  Cancelled: 'Cancelled by its owner or an admin.',
  TimeLimit: 'Stopped at its time limit.',
  NonZeroExit: 'The command exited with a non-zero code.',
  LaunchFailed: 'The node could not start the command.',
  NodeLost: 'The node running it stopped answering.',
  Signal: 'The process was killed by a signal.',
  OutOfMemory: 'The process ran out of memory.',
  Preempted: 'Stopped to give its GPUs to a job with a better claim (quota, QOS or fair share).',
  Idle: 'Stopped after being idle longer than its idle timeout.',
  MaxLifetime: 'Stopped at the longest lifetime its QOS allows for a session.',
  NoUnixAccount: 'The user has no Unix account on the node.',
  NoContainerRuntime: 'The job names a container image, but its node cannot run containers (podman is not installed there).',
  ImageNotFound: "The container image is not in the node's local image store, and its registry is not one the node may pull from.",
};
