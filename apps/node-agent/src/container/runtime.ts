import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ContainerRuntimeInfo, type GpuInfo, mayPull } from '@sluice/contracts';
import { type JobCgroup, type JobCgroupDirs, type Limits, removeCgroupTree } from '../cgroup/job-cgroup';
import type { CgroupLayout } from '../cgroup/layout';
import type { UnixAccount } from '../unix-account';
import type { WorkloadControl } from '../workload';
import { cdiGpuDevices, NVIDIA_GPU_KIND, readCdiDevices } from './cdi';
import { Podman } from './podman';
import { containerName, containerRunArgs, parseRLimits, unmountablePath } from './run-args';

/** A container job cannot run on this node: reported as the job's end reason. */
export class ContainerRefused extends Error {
  constructor(
    readonly reason: 'NoContainerRuntime' | 'ImageNotFound',
    message: string,
  ) {
    super(message);
  }
}

export interface ContainerConfig {
  /** podman's path, or null where it is not installed. */
  podman: string | null;
  /** OCI runtime podman uses (`--runtime`), e.g. runc where crun cannot run (hybrid cgroups); null = podman's default. */
  runtime: string | null;
  /** Registries podman may pull from (SLUICE_CONTAINER_REGISTRIES); everything else comes from the local store only. */
  registries: string[];
  /** Site directories mounted into every container at the same path (SLUICE_CONTAINER_MOUNTS). */
  mounts: string[];
  /** Where CDI specs are read. */
  cdiDirs: string[];
  /** The agent's state dir: job environment files go in an agent-only directory there. */
  stateDir: string;
  /** Where the cgroup filesystems are mounted. */
  cgroupRoot: string;
  /** The agent is not root: podman is rootless and runs jobs as the agent's own user. */
  rootless: boolean;
}

export interface GpuSource {
  simulated: boolean;
  list(): Promise<GpuInfo[]>;
}

/** What the executor knows about a container job once its account, directory and cgroup are ready. */
export interface ContainerJob {
  jobId: string;
  image: string;
  command: string;
  gpuUuids: string[];
  account: UnixAccount;
  /** The workload's environment (already filtered); PATH is left to the image. */
  env: Record<string, string>;
  workdir: string;
  homeUsable: boolean;
  jobDir: string;
  cgroup: JobCgroup | null;
  layout: CgroupLayout | null;
  limits: Limits;
  note(text: string): void;
}

/** How the executor runs it: the podman command and how a Workload stops and cleans it up. */
export interface PreparedContainer extends WorkloadControl {
  file: string;
  args: string[];
  /** podman's own environment (the agent's, never the job's). */
  env: Record<string, string>;
}

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The job cgroup as one path inside every hierarchy it lives in (what podman takes as
 * `--cgroup-parent`), or null when the paths differ or a hierarchy's mount is unknown.
 */
export function cgroupParentOf(dirs: JobCgroupDirs, layout: CgroupLayout): string | null {
  const pairs: [string | null, string | null | undefined][] = [
    [dirs.unified, layout.unified],
    [dirs.memory, layout.v1.memory],
    [dirs.cpu, layout.v1.cpu],
    [dirs.pids, layout.v1.pids],
  ];
  const rels = new Set<string>();
  for (const [dir, mount] of pairs) {
    if (dir === null) continue;
    if (!mount) return null;
    rels.add(`/${path.relative(mount, dir)}`);
  }
  return rels.size === 1 ? ([...rels][0] ?? null) : null;
}

/**
 * Removes what the OCI runtime left of the job's cgroup path in v1 hierarchies Sluice does not
 * use itself (blkio, devices, freezer...): runc makes the whole path in every hierarchy.
 */
async function removeLeftoverCgroups(mountRoot: string, rel: string, own: string[]): Promise<void> {
  const mine = new Set(await Promise.all(own.map((d) => realpath(d).catch(() => d))));
  for (const h of await readdir(mountRoot).catch(() => [] as string[])) {
    const dir = path.join(mountRoot, h, rel);
    if (!existsSync(dir) || mine.has(await realpath(dir).catch(() => dir))) continue;
    await removeCgroupTree(dir).catch(() => {});
  }
}

/**
 * Runs batch jobs in container images with podman: the image from the node's local store, or
 * pulled from a registry the site allows (never from the internet), the job's account, home,
 * job directory and environment, its GPUs through CDI, and its container inside the job's
 * cgroup so limits, stop and clean-up work as for any job.
 */
export class ContainerRuntime {
  readonly podman: Podman | null;
  private readonly rlimits = (() => {
    try {
      return parseRLimits(readFileSync('/proc/self/limits', 'utf8'));
    } catch {
      return null;
    }
  })();

  constructor(
    private readonly cfg: ContainerConfig,
    private readonly gpus: GpuSource,
  ) {
    const env: Record<string, string> = { PATH: SYSTEM_PATH, LANG: 'C.UTF-8', HOME: os.homedir(), USER: os.userInfo().username };
    if (cfg.rootless) env.XDG_RUNTIME_DIR = `/run/user/${os.userInfo().uid}`;
    this.podman = cfg.podman ? new Podman(cfg.podman, cfg.runtime ? ['--runtime', cfg.runtime] : [], env) : null;
  }

  /** For the node inventory: podman's version and the CDI names of the NVIDIA GPUs; null without podman. */
  async probe(): Promise<ContainerRuntimeInfo | null> {
    if (!this.podman || !existsSync(this.podman.path)) return null;
    const version = await this.podman.version();
    if (!version) return null;
    return { name: 'podman', version, cdiGpuDevices: await readCdiDevices(this.cfg.cdiDirs, NVIDIA_GPU_KIND) };
  }

  async prepare(job: ContainerJob): Promise<PreparedContainer> {
    const podman = this.podman;
    if (!podman || !existsSync(podman.path)) throw new ContainerRefused('NoContainerRuntime', `podman is not installed on node ${os.hostname()}, so it cannot run container images`);
    const pull = mayPull(job.image, this.cfg.registries) ? 'missing' : 'never';
    if (pull === 'never' && !(await podman.imageExists(job.image))) {
      throw new ContainerRefused(
        'ImageNotFound',
        `image ${job.image} is not in the local image store of node ${os.hostname()} ("podman images" lists what is there), and its registry is not one this node may pull from (SLUICE_CONTAINER_REGISTRIES)`,
      );
    }
    let devices: string[] = [];
    if (this.gpus.simulated) {
      if (job.gpuUuids.length > 0) job.note('simulated GPUs: no GPU devices are passed into the container');
    } else if (job.gpuUuids.length > 0) {
      devices = cdiGpuDevices(job.gpuUuids, await readCdiDevices(this.cfg.cdiDirs, NVIDIA_GPU_KIND), await this.gpus.list());
    }

    const mounts: string[] = [];
    for (const m of [...(job.homeUsable ? [job.account.home] : []), job.jobDir, ...this.cfg.mounts]) {
      const why = unmountablePath(m) ?? (existsSync(m) ? null : `${m} does not exist on this node`);
      if (why) job.note(`not mounted into the container: ${why}`);
      else if (!mounts.includes(m)) mounts.push(m);
    }

    // PATH is the image's own; values must fit on one line of an env file.
    const envLines: string[] = [];
    for (const [k, v] of Object.entries(job.env)) {
      if (k === 'PATH') continue;
      if (/[\n\r]/.test(v)) job.note(`not passed on: ${k} contains a line break`);
      else envLines.push(`${k}=${v}`);
    }
    const envFile = this.envFile(job.jobId);
    await mkdir(path.dirname(envFile), { recursive: true, mode: 0o700 });
    await writeFile(envFile, `${envLines.join('\n')}\n`, { mode: 0o600 });

    const cgroup = job.cgroup;
    const cgroupParent = cgroup && job.layout ? cgroupParentOf(cgroup.dirs, job.layout) : null;
    if (cgroup && !cgroupParent) job.note('the container runs outside the job cgroup on this node (its paths differ between hierarchies); podman enforces the limits');
    const args = containerRunArgs({
      jobId: job.jobId,
      image: job.image,
      pull,
      command: job.command,
      account: job.account,
      rootless: this.cfg.rootless,
      mounts,
      workdir: job.workdir,
      envFile,
      devices,
      cgroupParent,
      limits: cgroupParent ? null : job.limits,
      rlimits: this.rlimits,
    });
    const global = [...podman.globalArgs, ...(cgroupParent ? ['--cgroup-manager=cgroupfs'] : [])];
    return { file: podman.path, args: [...global, ...args], env: podman.env as Record<string, string>, ...this.control(job) };
  }

  private envFile(jobId: string): string {
    return path.join(this.cfg.stateDir, 'containers', `job-${jobId}.env`);
  }

  /**
   * How a container job is stopped and cleaned up; all of it follows from the job id, its cgroup
   * and the layout, so an agent started after the one that launched it (job-run.ts) can do it too.
   */
  control(job: Pick<ContainerJob, 'jobId' | 'cgroup' | 'layout' | 'note'>): WorkloadControl {
    const { cgroup, layout } = job;
    const cgroupParent = cgroup && layout ? cgroupParentOf(cgroup.dirs, layout) : null;
    const name = containerName(job.jobId);
    const podman = this.podman;
    return {
      // Inside the job cgroup every process of the container gets the signal, as in any job;
      // podman and conmon stay outside it, so they live on to record the container's exit.
      signal: async (signal) => {
        if (cgroup && cgroupParent) await (signal === 'SIGTERM' ? cgroup.signal(signal) : cgroup.kill());
        else await podman?.kill(name, signal);
      },
      afterExit: async () => {
        await podman?.remove(name).catch((err: unknown) => job.note(`could not remove container ${name}: ${err instanceof Error ? err.message : String(err)}`));
        await rm(this.envFile(job.jobId), { force: true });
        if (cgroupParent && cgroup && layout && layout.kind !== 'v2') await removeLeftoverCgroups(this.cfg.cgroupRoot, cgroupParent, cgroup.all());
      },
    };
  }
}
