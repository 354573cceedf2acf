import { z } from 'zod';

/**
 * What a node is made of (CPU, memory, disks, NICs, InfiniBand, OS, NVIDIA driver, GPUs) and how
 * its GPUs are doing (metrics, health). The agent sends the hardware on join and when it changes,
 * GPU samples with every heartbeat; the scheduler keeps the latest and a history of changes.
 */

const count = z.number().int().min(0);

export const CpuInfo = z.object({
  model: z.string(),
  sockets: count,
  /** Physical cores over all sockets. */
  cores: count,
  /** Hardware threads (logical CPUs) the kernel runs on. */
  threads: count,
  numaNodes: z.array(z.object({ id: count, cpus: z.string(), memoryMiB: count.nullable() })),
});
export type CpuInfo = z.infer<typeof CpuInfo>;

export const DiskInfo = z.object({
  /** Kernel name, e.g. nvme0n1, sda. */
  name: z.string().min(1),
  sizeBytes: count,
  rotational: z.boolean(),
  model: z.string().nullable(),
});
export type DiskInfo = z.infer<typeof DiskInfo>;

export const NicInfo = z.object({
  name: z.string().min(1),
  mac: z.string().nullable(),
  /** Link speed in Mbit/s; null when the link is down or the driver does not say. */
  speedMbps: count.nullable(),
  /** "up", "down", "unknown"... as the kernel reports it. */
  operstate: z.string(),
  /** "ether" or "infiniband" (IPoIB); other link types by their ARPHRD number. */
  kind: z.string(),
  mtu: count.nullable(),
});
export type NicInfo = z.infer<typeof NicInfo>;

/** One port of an RDMA device (InfiniBand or RoCE). */
export const InfinibandPort = z.object({
  device: z.string().min(1),
  port: z.number().int().min(1),
  /** As the kernel prints it, e.g. "400 Gb/sec (4X NDR)". */
  rate: z.string().nullable(),
  rateGbps: z.number().min(0).nullable(),
  /** "InfiniBand" or "Ethernet" (RoCE). */
  linkLayer: z.string().nullable(),
  /** e.g. "ACTIVE", "DOWN". */
  state: z.string().nullable(),
  /** Network interfaces on this device, e.g. ["ibp24s0"]. */
  netdevs: z.array(z.string()),
});
export type InfinibandPort = z.infer<typeof InfinibandPort>;

export const GpuHardware = z.object({
  index: count,
  uuid: z.string().min(1),
  model: z.string().min(1),
  memoryMiB: count,
  /** e.g. "00000000:18:00.0"; null when unknown (simulated GPUs). */
  pciBusId: z.string().nullable(),
  /** "Enabled" / "Disabled"; null where the GPU has no MIG. */
  migMode: z.string().nullable(),
  /** GPUs joined by NVLink share a domain ("nvl0"…), scoped to the node; null = no NVLink peer. */
  nvlinkDomain: z.string().nullable(),
  /** NUMA node(s) nearest the GPU as nvidia-smi topo -m says, e.g. "0". */
  numaAffinity: z.string().nullable(),
});
export type GpuHardware = z.infer<typeof GpuHardware>;

/** The node's container runtime, for jobs that name an image. */
export const ContainerRuntimeInfo = z.object({
  name: z.literal('podman'),
  /** As `podman --version` prints it, e.g. "4.3.1". */
  version: z.string(),
  /** CDI device names of the NVIDIA GPUs (`nvidia.com/gpu=<name>`) in /etc/cdi and /var/run/cdi; empty when there is no spec. */
  cdiGpuDevices: z.array(z.string()),
});
export type ContainerRuntimeInfo = z.infer<typeof ContainerRuntimeInfo>;

export const NodeHardware = z.object({
  cpu: CpuInfo,
  memory: z.object({ totalMiB: count, swapMiB: count }),
  disks: z.array(DiskInfo),
  nics: z.array(NicInfo),
  infiniband: z.array(InfinibandPort),
  os: z.object({ id: z.string(), name: z.string(), version: z.string(), prettyName: z.string() }),
  kernel: z.object({ release: z.string(), arch: z.string() }),
  /** null on nodes without the NVIDIA driver (simulated GPUs). */
  nvidia: z.object({ driverVersion: z.string().nullable(), cudaVersion: z.string().nullable() }).nullable(),
  gpus: z.array(GpuHardware),
  /** podman, when installed; null where the node runs no containers (absent in reports of older agents). */
  containers: ContainerRuntimeInfo.nullable().optional(),
});
export type NodeHardware = z.infer<typeof NodeHardware>;

/** XID codes that mean the GPU needs an admin (reset, reboot or replacement), after NVIDIA's XID catalogue. */
export const FATAL_XIDS: readonly number[] = [48, 61, 62, 63, 64, 68, 69, 74, 79, 92, 94, 95, 119, 120, 140];

export const GpuProblemKind = z.enum(['ecc-uncorrected', 'xid', 'lost', 'missing', 'smi-failed']);
export type GpuProblemKind = z.infer<typeof GpuProblemKind>;

/** Something wrong with a GPU (or, with index null, with the node's GPU driver as a whole). */
export const GpuProblem = z.object({
  kind: GpuProblemKind,
  index: count.nullable(),
  uuid: z.string().nullable(),
  /** XID code for kind "xid". */
  xid: count.optional(),
  message: z.string(),
});
export type GpuProblem = z.infer<typeof GpuProblem>;

export const GpuSample = z.object({
  index: count,
  uuid: z.string().min(1),
  utilizationPct: z.number().min(0).max(100).nullable(),
  memoryUsedMiB: count.nullable(),
  memoryTotalMiB: count.nullable(),
  temperatureC: z.number().int().nullable(),
  powerDrawW: z.number().min(0).nullable(),
  eccUncorrected: count.nullable(),
  /** Compute processes on this GPU and the memory each holds (MiB; null when not attributable). */
  processes: z.array(z.object({ pid: count, usedMemoryMiB: count.nullable() })).max(256),
});
export type GpuSample = z.infer<typeof GpuSample>;

/** One heartbeat's view of the GPUs. `problems` lists what is wrong now plus XID events seen since the last report. */
export const GpuReport = z.object({
  at: z.iso.datetime(),
  gpus: z.array(GpuSample),
  problems: z.array(GpuProblem),
});
export type GpuReport = z.infer<typeof GpuReport>;

/** Node detail as the REST API and portal show it. */
export const NodeHardwareEventView = z.object({
  id: z.number().int(),
  at: z.iso.datetime(),
  type: z.string(),
  component: z.string(),
  detail: z.string(),
});
export type NodeHardwareEventView = z.infer<typeof NodeHardwareEventView>;

export const NodeGpuView = z.object({
  index: count,
  uuid: z.string(),
  model: z.string(),
  memoryMiB: count,
  nvlinkDomain: z.string().nullable(),
  jobId: z.string().nullable(),
  sample: GpuSample.nullable(),
  problems: z.array(GpuProblem),
});
export type NodeGpuView = z.infer<typeof NodeGpuView>;

export const NodeDetailView = z.object({
  name: z.string(),
  state: z.enum(['UP', 'DOWN', 'DRAIN']),
  drainReason: z.string().nullable(),
  pool: z.string(),
  hostname: z.string(),
  cpus: count,
  memoryMiB: count,
  gpuSource: z.string(),
  lastSeenAt: z.iso.datetime().nullable(),
  hardware: NodeHardware.nullable(),
  /** When the GPU metrics below were taken; null before the first heartbeat with metrics. */
  metricsAt: z.iso.datetime().nullable(),
  gpus: z.array(NodeGpuView),
  history: z.array(NodeHardwareEventView),
});
export type NodeDetailView = z.infer<typeof NodeDetailView>;

export const NodeDrainInput = z.object({ reason: z.string().trim().min(1).max(500) });
export type NodeDrainInput = z.infer<typeof NodeDrainInput>;
