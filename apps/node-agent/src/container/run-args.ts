import type { Limits } from '../cgroup/job-cgroup';
import type { UnixAccount } from '../unix-account';

/** The container's name on the node, and the label cleanup finds it by. */
export const containerName = (jobId: string) => `sluice-job-${jobId}`;
export const jobLabel = (jobId: string) => `sluice.job=${jobId}`;

/** A soft and hard resource limit (`ulimit`). */
export type RLimit = { soft: number; hard: number };

export interface ContainerRun {
  jobId: string;
  /** Normalised image reference (already validated). */
  image: string;
  /** `never`: the local image store only; `missing`: pull from the image's (allowed) registry when absent. */
  pull: 'never' | 'missing';
  /** The batch command, run by the image's /bin/sh. */
  command: string;
  account: Pick<UnixAccount, 'name' | 'uid' | 'gid' | 'groups' | 'home'>;
  /**
   * Rootless podman (the agent is not root and runs jobs as itself): the agent's uid is mapped
   * into the container (`--userns=keep-id`). Otherwise root podman starts the process as the
   * account (`--user uid:gid` and every supplementary group).
   */
  rootless: boolean;
  /** Host directories mounted at the same path (home, job directory, site mounts). */
  mounts: string[];
  workdir: string;
  /** Agent-owned file with the job's environment (never on the command line, which every user can read). */
  envFile: string;
  /** CDI device names, one per allocated GPU (`nvidia.com/gpu=<uuid or index>`). */
  devices: string[];
  /**
   * The job's cgroup, as a path inside every hierarchy: the container's cgroup goes below it,
   * so the job's CPU and memory limits hold and stopping the job reaches every process.
   */
  cgroupParent: string | null;
  /** Limits podman sets itself, only where the job has no cgroup to hold the container. */
  limits: Limits | null;
  /** Open files and processes, the same as any job on the node gets. */
  rlimits: { nofile: RLimit; nproc: RLimit } | null;
}

/**
 * The `podman run` arguments (after the global options) for a batch job in a container. The job
 * shares the node's network, process, IPC and host name namespaces like any job on the node
 * (sessions and NCCL need the network; `ps`, signals and GPU process accounting see its
 * processes), but may never gain privileges: every capability dropped, no-new-privileges (a
 * set-uid program in an image cannot make it root). The image and the command come after `--`,
 * so neither can be read as an option.
 */
export function containerRunArgs(r: ContainerRun): string[] {
  const { uid, gid, groups, name, home } = r.account;
  const identity = r.rootless ? ['--userns=keep-id'] : ['--user', `${uid}:${gid}`, ...groups.filter((g) => g !== gid).flatMap((g) => ['--group-add', String(g)])];
  const placement = r.cgroupParent
    ? ['--cgroup-parent', r.cgroupParent, '--cgroups=no-conmon']
    : r.limits
      ? ['--memory', `${r.limits.memoryMiB}m`, '--memory-swap', `${r.limits.memoryMiB}m`, '--cpus', String(r.limits.cpus)]
      : [];
  const ulimits = r.rlimits ? (['nofile', 'nproc'] as const).flatMap((k) => ['--ulimit', `${k}=${r.rlimits?.[k].soft}:${r.rlimits?.[k].hard}`]) : [];
  return [
    'run',
    '--rm',
    '--replace',
    '--name',
    containerName(r.jobId),
    '--label',
    jobLabel(r.jobId),
    `--pull=${r.pull}`,
    // Output goes straight to the agent's pipes (no copy kept by conmon on the node's disk).
    '--log-driver=passthrough',
    '--network=host',
    '--pid=host',
    '--ipc=host',
    '--uts=host',
    '--cap-drop=all',
    '--security-opt=no-new-privileges',
    // Home and job directories keep their own SELinux labels (never relabelled for the container).
    '--security-opt=label=disable',
    ...identity,
    // So `whoami`, `~` and getpwuid() work for an account the image has never heard of.
    '--passwd-entry',
    `${name}:*:${uid}:${gid}::${home}:/bin/sh`,
    ...r.mounts.flatMap((m) => ['--volume', `${m}:${m}`]),
    '--workdir',
    r.workdir,
    '--env-file',
    r.envFile,
    ...r.devices.flatMap((d) => ['--device', d]),
    ...placement,
    '--pids-limit=-1',
    ...ulimits,
    '--',
    r.image,
    '/bin/sh',
    '-c',
    r.command,
  ];
}

/** podman's own process limit: it lowers itself to this, and a container cannot get more from it without CAP_SYS_RESOURCE. */
const PODMAN_NPROC = 32768;

/** Reads `Max open files` and `Max processes` of /proc/self/limits (what every job on the node inherits). */
export function parseRLimits(text: string): { nofile: RLimit; nproc: RLimit } | null {
  const read = (label: string): RLimit | null => {
    const m = new RegExp(`^${label}\\s+(\\S+)\\s+(\\S+)`, 'm').exec(text);
    if (!m) return null;
    const n = (v: string | undefined) => (v === 'unlimited' || v === undefined ? Number.POSITIVE_INFINITY : Number(v));
    return { soft: n(m[1]), hard: n(m[2]) };
  };
  const nofile = read('Max open files');
  const nproc = read('Max processes');
  if (!nofile || !nproc || !Number.isFinite(nofile.hard)) return null;
  const cap = (v: number) => Math.min(v, PODMAN_NPROC);
  return { nofile, nproc: { soft: cap(nproc.soft), hard: cap(nproc.hard) } };
}

/** Why a path cannot be a `--volume` source/destination (a `:` would split it), or null. */
export function unmountablePath(p: string): string | null {
  if (!p.startsWith('/')) return `${p} is not an absolute path`;
  if (/[:\n\0]/.test(p)) return `${p} contains ":" or a control character`;
  return null;
}
