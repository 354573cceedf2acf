import { z } from 'zod';
import { SessionTemplate } from './api';
import { ContainerImage } from './container-image';
import { EndReason } from './job';
import { GpuReport, NodeHardware } from './node-hardware';

/**
 * Node agent <-> scheduler protocol, spoken as JSON over one WebSocket per agent.
 * Every message carries the protocol version and a per-sender sequence number.
 * Bump PROTOCOL_VERSION on any incompatible change; both sides refuse other versions.
 */
export const PROTOCOL_VERSION = 1;

export const GpuInfo = z.object({
  index: z.number().int().min(0),
  uuid: z.string().min(1),
  model: z.string().min(1),
  memoryMiB: z.number().int().min(0),
});
export type GpuInfo = z.infer<typeof GpuInfo>;

/** A node's name as an agent is configured with it and as a join token may name it. */
export const NodeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'letters, digits, dot, dash, underscore');

export const NodeInventory = z.object({
  name: z.string().min(1).max(128),
  hostname: z.string(),
  cpus: z.number().int().min(1),
  memoryMiB: z.number().int().min(0),
  gpuSource: z.enum(['nvidia-smi', 'simulated', 'none']),
  gpus: z.array(GpuInfo),
});
export type NodeInventory = z.infer<typeof NodeInventory>;

const header = { v: z.literal(PROTOCOL_VERSION), seq: z.number().int().min(0) };

export const SessionSpec = z.object({
  template: SessionTemplate,
  /** Path prefix under the portal, e.g. /s/42/ */
  baseUrl: z.string().startsWith('/'),
  token: z.string().min(16),
  /** Ray workers only: the head's address (host:port of its GCS) to join; absent on the head. */
  headAddress: z
    .string()
    .regex(/^[A-Za-z0-9.:[\]-]+:\d{1,5}$/, 'host:port')
    .optional(),
});
export type SessionSpec = z.infer<typeof SessionSpec>;

export const LaunchSpec = z.object({
  jobId: z.string(),
  kind: z.enum(['batch', 'session']),
  command: z.string(),
  gpuUuids: z.array(z.string()),
  timeLimitSec: z.number().int().min(1),
  /** Unix account to run as. */
  user: z.string(),
  /** CPU cores and memory the workload may use (enforced with cgroups where the node allows). */
  cpus: z.number().int().min(1).optional(),
  memoryMiB: z.number().int().min(1).optional(),
  session: SessionSpec.optional(),
  /** Run the batch command in this container image (podman), not directly on the node. */
  image: ContainerImage.optional(),
  /**
   * Every node of the job, in rank order (SLUICE_JOB_NODELIST). A batch command and a Ray head
   * run on rank 0; the other ranks hold GPUs for it, or run Ray workers. Absent or empty (from a
   * scheduler older than multi-node launches) means this node alone.
   */
  nodes: z.array(z.string().min(1).max(128)).max(1024).optional(),
  /** This node's index in `nodes` (SLUICE_NODE_RANK); absent = 0. */
  rank: z.number().int().min(0).optional(),
});
export type LaunchSpec = z.infer<typeof LaunchSpec>;

/**
 * How a job's run on a node ended. The agent keeps it on disk and reports it (as `exited`, then in
 * every `hello` and `heartbeat`) until the scheduler answers `exits-recorded`, so a lost message
 * or a restart on either side never loses a job's real exit code.
 */
export const JobExit = z.object({
  jobId: z.string(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** Set when the agent stopped it on request, or could not start it. */
  cause: z.enum(['exit', 'stopped', 'launch-failed']),
  message: z.string().optional(),
  /** Why it ended, when the agent knows better than the exit code (NoUnixAccount, OutOfMemory, NoContainerRuntime...; NodeLost when its exit status was lost). */
  reason: EndReason.optional(),
  /** When it ended, by the node's clock (it may be reported long after, e.g. after a restart). */
  endedAt: z.iso.datetime().optional(),
});
export type JobExit = z.infer<typeof JobExit>;

export const AgentMessage = z.discriminatedUnion('type', [
  z.object({
    ...header,
    type: z.literal('hello'),
    inventory: NodeInventory,
    /** Jobs whose workload runs here (also those adopted after an agent restart). */
    running: z.array(z.string()),
    /** Jobs that ended here and whose end the scheduler has not yet recorded. */
    finished: z.array(JobExit).default([]),
    hardware: NodeHardware.optional(),
  }),
  z.object({
    ...header,
    type: z.literal('heartbeat'),
    running: z.array(z.string()),
    finished: z.array(JobExit).optional(),
    gpuMetrics: GpuReport.optional(),
    /** Last time each session showed activity (kernel busy or used, terminal input, GPU use). */
    activity: z.record(z.string(), z.iso.datetime()).optional(),
  }),
  /** The node's hardware changed since the hello (a disk, NIC or GPU came or went). */
  z.object({ ...header, type: z.literal('hardware'), hardware: NodeHardware }),
  z.object({ ...header, type: z.literal('started'), jobId: z.string(), pid: z.number().int() }),
  z.object({
    ...header,
    type: z.literal('session-ready'),
    jobId: z.string(),
    host: z.string(),
    port: z.number().int().min(1).max(65535),
    /** Where the other nodes of a multi-node session join it (Ray: the head's GCS, host:port). */
    address: z.string().optional(),
  }),
  z.object({ ...header, type: z.literal('exited'), ...JobExit.shape }),
  z.object({ ...header, type: z.literal('log'), jobId: z.string(), data: z.string() }),
]);
export type AgentMessage = z.infer<typeof AgentMessage>;

export const SchedulerMessage = z.discriminatedUnion('type', [
  z.object({ ...header, type: z.literal('welcome'), nodeName: z.string(), heartbeatSec: z.number().int().min(1) }),
  z.object({ ...header, type: z.literal('launch'), spec: LaunchSpec }),
  z.object({
    ...header,
    type: z.literal('stop'),
    jobId: z.string(),
    graceSec: z.number().int().min(0),
    /** The scheduler has no run of this job on this node (it ended, was requeued or never existed): stop it and report nothing of it. */
    discard: z.boolean().optional(),
  }),
  /** The scheduler recorded the end of these jobs: the agent may forget them. */
  z.object({ ...header, type: z.literal('exits-recorded'), jobIds: z.array(z.string()) }),
]);
export type SchedulerMessage = z.infer<typeof SchedulerMessage>;

/** Messages without the header fields, as code writes them before sending. */
type Unheadered<T> = T extends unknown ? Omit<T, 'v' | 'seq'> : never;
export type AgentMessageBody = Unheadered<AgentMessage>;
export type SchedulerMessageBody = Unheadered<SchedulerMessage>;
