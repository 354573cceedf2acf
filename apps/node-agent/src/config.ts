import os from 'node:os';
import path from 'node:path';
import { NodeName } from '@sluice/contracts';
import { z } from 'zod';

/** The agent's configuration from the environment (the only reader of process.env). */
const Env = z.object({
  SLUICE_NODE_NAME: NodeName.optional(),
  SLUICE_SCHEDULER_URL: z.string().regex(/^wss?:\/\//, 'SLUICE_SCHEDULER_URL must be a ws:// or wss:// URL'),
  /** The appliance's shared secret (agents on the portal's own machine). */
  SLUICE_AGENT_SECRET: z.string().min(32, 'SLUICE_AGENT_SECRET must be at least 32 characters').optional(),
  /** A join token from the portal, exchanged once for this node's own credential. */
  SLUICE_JOIN_TOKEN: z.string().startsWith('sluice-join-', 'SLUICE_JOIN_TOKEN must be a join token from the portal').optional(),
  SLUICE_SIM_GPUS: z.string().optional(),
  SLUICE_DATA_DIR: z.string().default('./var'),
  SLUICE_AGENT_STATE_DIR: z.string().optional(),
  SLUICE_PYTHON_ENV: z.string().optional(),
  SLUICE_SESSION_HOST: z.string().default('127.0.0.1'),
  /** Stop every workload when the agent stops (the all-in-one appliance); by default they run on and the next agent adopts them. */
  SLUICE_STOP_WORKLOADS_ON_EXIT: z.enum(['true', 'false']).default('false'),
  SLUICE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  SLUICE_HARDWARE_ROOT: z.string().default('/'),
  SLUICE_HARDWARE_CHECK_SEC: z.coerce.number().int().min(10).default(300),
  SLUICE_KERNEL_LOG: z.string().default('/dev/kmsg'),
  SLUICE_MIN_UID: z.coerce.number().int().min(1, 'SLUICE_MIN_UID must be at least 1: workloads never run as root').default(1000),
  SLUICE_CGROUP_ROOT: z.string().default('/sys/fs/cgroup'),
  /** The cgroup every job cgroup goes in; another name keeps two installations (or test runs) on one machine apart. */
  SLUICE_CGROUP_PARENT: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'SLUICE_CGROUP_PARENT must be one cgroup name (letters, digits, dot, dash, underscore)').default('sluice.slice'),
  SLUICE_JOB_DEFAULT_CPUS: z.coerce.number().int().min(1).optional(),
  SLUICE_JOB_DEFAULT_MEMORY_MIB: z.coerce.number().int().min(16).optional(),
  /** Registries podman may pull from (comma-separated host[:port]); default none: the local image store only. */
  SLUICE_CONTAINER_REGISTRIES: z.string().default(''),
  /** Directories mounted into every container at the same path (comma-separated), e.g. /scratch,/datasets. */
  SLUICE_CONTAINER_MOUNTS: z.string().default(''),
  /** OCI runtime for podman (`--runtime`), e.g. runc on nodes with hybrid cgroups; default: podman's own choice. */
  SLUICE_CONTAINER_RUNTIME: z
    .string()
    .regex(/^[A-Za-z0-9/._-]+$/, 'SLUICE_CONTAINER_RUNTIME must be a runtime name or path')
    .optional(),
  /** podman to use; default: /usr/bin/podman or /usr/local/bin/podman, when installed. */
  SLUICE_PODMAN: z.string().startsWith('/', 'SLUICE_PODMAN must be an absolute path').optional(),
  PATH: z.string().default('/usr/local/bin:/usr/bin:/bin'),
});

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export interface AgentConfig {
  nodeName: string;
  schedulerUrl: string;
  secret: string | undefined;
  joinToken: string | undefined;
  simGpus: string | undefined;
  stateDir: string;
  /** A Python environment whose bin/ holds jupyter-lab. */
  pythonEnv: string;
  sessionHost: string;
  stopWorkloadsOnExit: boolean;
  logLevel: z.infer<typeof Env>['SLUICE_LOG_LEVEL'];
  /** PATH given to workloads (the python env's bin is put first for sessions). */
  path: string;
  /** Where /proc, /sys and /etc are read for the hardware inventory. */
  hardwareRoot: string;
  hardwareCheckSec: number;
  /** Kernel log watched for GPU XID events. */
  kernelLog: string;
  /** Lowest uid a workload may run as (when the agent is root). */
  minUid: number;
  /** Where the cgroup filesystems are mounted. */
  cgroupRoot: string;
  /** Name of the parent of all job cgroups (sluice.slice). */
  cgroupParent: string;
  /** CPU cores and memory for a job whose launch does not say (capped at what the node has). */
  defaultLimits: { cpus: number; memoryMiB: number };
  containers: {
    /** podman's path as configured; null = look in the usual places. */
    podman: string | null;
    runtime: string | null;
    registries: string[];
    mounts: string[];
  };
}

const repoRoot = path.resolve(import.meta.dirname, '../../..');

export function loadConfig(env: NodeJS.ProcessEnv): AgentConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid agent configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const nodeName = e.SLUICE_NODE_NAME ?? os.hostname().split('.')[0] ?? 'node';
  return {
    nodeName,
    schedulerUrl: e.SLUICE_SCHEDULER_URL,
    secret: e.SLUICE_AGENT_SECRET,
    joinToken: e.SLUICE_JOIN_TOKEN,
    simGpus: e.SLUICE_SIM_GPUS,
    stateDir: path.resolve(e.SLUICE_AGENT_STATE_DIR ?? path.join(e.SLUICE_DATA_DIR, 'nodes', nodeName)),
    pythonEnv: path.resolve(e.SLUICE_PYTHON_ENV ?? path.join(repoRoot, '.runtime/python')),
    sessionHost: e.SLUICE_SESSION_HOST,
    stopWorkloadsOnExit: e.SLUICE_STOP_WORKLOADS_ON_EXIT === 'true',
    logLevel: e.SLUICE_LOG_LEVEL,
    path: e.PATH,
    hardwareRoot: e.SLUICE_HARDWARE_ROOT,
    hardwareCheckSec: e.SLUICE_HARDWARE_CHECK_SEC,
    kernelLog: e.SLUICE_KERNEL_LOG,
    minUid: e.SLUICE_MIN_UID,
    cgroupRoot: e.SLUICE_CGROUP_ROOT,
    cgroupParent: e.SLUICE_CGROUP_PARENT,
    defaultLimits: {
      cpus: Math.min(e.SLUICE_JOB_DEFAULT_CPUS ?? 4, os.availableParallelism()),
      memoryMiB: Math.min(e.SLUICE_JOB_DEFAULT_MEMORY_MIB ?? 16_384, Math.floor(os.totalmem() / 2 ** 20)),
    },
    containers: {
      podman: e.SLUICE_PODMAN ?? null,
      runtime: e.SLUICE_CONTAINER_RUNTIME ?? null,
      registries: list(e.SLUICE_CONTAINER_REGISTRIES).map((r) => r.toLowerCase()),
      mounts: list(e.SLUICE_CONTAINER_MOUNTS),
    },
  };
}
