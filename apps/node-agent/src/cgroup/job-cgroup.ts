import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits between looks at a cgroup the kernel is still emptying: 1, 2, 4 ... 20 ms (a job's end waits for it). */
const backOff = (attempt: number) => sleep(Math.min(20, 2 ** attempt));

/** Where one job's cgroup lives in each hierarchy the node has. */
export interface JobCgroupDirs {
  /** The job's cgroup in the cgroup2 tree (membership, cgroup.kill, v2 limits), or null. */
  unified: string | null;
  /** Set limits through the cgroup2 tree (pure v2) rather than v1 controllers. */
  v2Limits: boolean;
  memory: string | null;
  cpu: string | null;
  pids: string | null;
}

export interface Limits {
  cpus: number;
  memoryMiB: number;
}

const CPU_PERIOD_US = 100_000;

/** Reads `key value` lines (memory.events, memory.oom_control) into numbers. */
export function parseKeyedCounts(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

const readOr = async (file: string, fallback: string): Promise<string> => {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return fallback;
  }
};

/** A cgroup's child cgroups (a container runtime makes its own below the job's). */
const childCgroups = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));

/** Pids in a cgroup and every cgroup below it. */
async function subtreePids(dir: string): Promise<number[]> {
  const own = (await readOr(path.join(dir, 'cgroup.procs'), '')).split('\n').filter(Boolean).map(Number);
  for (const child of await childCgroups(dir)) own.push(...(await subtreePids(child)));
  return own;
}

/**
 * Removes a cgroup and the cgroups below it, deepest first. A cgroup can only go once it has no
 * processes: EBUSY is retried for a while (the kernel frees a killed process's membership late).
 */
export async function removeCgroupTree(dir: string): Promise<void> {
  for (const child of await childCgroups(dir)) await removeCgroupTree(child);
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 100) throw err;
      await backOff(attempt);
    }
  }
}

const signalPid = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
};

/**
 * One workload's cgroup: its directories in every hierarchy, its limits, the processes in it,
 * how to kill them all, and whether the kernel's OOM killer struck inside it.
 */
export class JobCgroup {
  constructor(readonly dirs: JobCgroupDirs) {}

  /** Every directory the workload joins. */
  all(): string[] {
    const { unified, memory, cpu, pids } = this.dirs;
    return [unified, memory, cpu, pids].filter((d): d is string => d !== null);
  }

  /** The `cgroup.procs` files a launcher writes its own pid to before it execs the workload. */
  procsFiles(): string[] {
    return this.all().map((d) => path.join(d, 'cgroup.procs'));
  }

  /** Creates the directories and writes the limits. */
  async create(limits: Limits): Promise<void> {
    for (const d of this.all()) await mkdir(d, { recursive: true });
    const bytes = limits.memoryMiB * 1024 * 1024;
    const quota = limits.cpus * CPU_PERIOD_US;
    const { unified, memory, cpu } = this.dirs;
    if (this.dirs.v2Limits && unified) {
      await writeFile(path.join(unified, 'memory.max'), String(bytes));
      // No swapping past the limit (the job gets what it asked for, like Slurm without AllowedSwapSpace).
      if (existsSync(path.join(unified, 'memory.swap.max'))) await writeFile(path.join(unified, 'memory.swap.max'), '0');
      await writeFile(path.join(unified, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
      return;
    }
    if (memory) {
      await writeFile(path.join(memory, 'memory.limit_in_bytes'), String(bytes));
      // Only where swap accounting is on; memsw counts memory + swap, so equal means no swap.
      await writeFile(path.join(memory, 'memory.memsw.limit_in_bytes'), String(bytes)).catch(() => {});
    }
    if (cpu) {
      await writeFile(path.join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      await writeFile(path.join(cpu, 'cpu.cfs_quota_us'), String(quota));
    }
  }

  /** Pids in the cgroup and below it (from the first hierarchy that can tell). */
  async pids(): Promise<number[]> {
    for (const d of this.all()) {
      const pids = await subtreePids(d);
      if (pids.length > 0) return pids;
    }
    return [];
  }

  /** Sends a signal to every process in the cgroup. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    for (const pid of await this.pids()) signalPid(pid, signal);
  }

  /** cgroup2's switch that kills every member at once (kernel 5.14+), once the cgroup exists; null without one. */
  killFile(): string | null {
    const file = this.dirs.unified ? path.join(this.dirs.unified, 'cgroup.kill') : null;
    return file && existsSync(file) ? file : null;
  }

  /**
   * Kills every process, also those that left the process group (double fork, setsid):
   * cgroup.kill where the kernel has it (5.14+), otherwise SIGKILL to every member until
   * none is left (new ones may be forked while the list is read).
   */
  async kill(): Promise<void> {
    const killFile = this.killFile();
    if (killFile) await writeFile(killFile, '1').catch(() => {});
    for (let round = 0; round < 50; round++) {
      const pids = await this.pids();
      if (pids.length === 0) return;
      for (const pid of pids) signalPid(pid, 'SIGKILL');
      await backOff(round);
    }
  }

  /**
   * Whether the kernel's OOM killer killed something in the cgroup: memory.events on v2 (which
   * counts the cgroups below too), memory.oom_control's oom_kill on v1 (kernel 4.13+). v1 counts
   * a kill only in the victim's own cgroup, which may be one below the job's (a container's,
   * gone by now), and older kernels have no count: there, death by SIGKILL after the job's
   * memory reached its limit (failures counted, or the peak at the limit) means the same.
   */
  async oomKilled(signal: string | null): Promise<boolean> {
    const { unified, memory } = this.dirs;
    if (this.dirs.v2Limits && unified) return (parseKeyedCounts(await readOr(path.join(unified, 'memory.events'), '')).oom_kill ?? 0) > 0;
    if (!memory) return false;
    if ((parseKeyedCounts(await readOr(path.join(memory, 'memory.oom_control'), '')).oom_kill ?? 0) > 0) return true;
    if (signal !== 'SIGKILL') return false;
    const read = async (f: string) => Number((await readOr(path.join(memory, f), '0')).trim());
    const limit = await read('memory.limit_in_bytes');
    return (await read('memory.failcnt')) > 0 || (limit > 0 && (await read('memory.max_usage_in_bytes')) >= limit);
  }

  /** Kills what is left and removes the directories, with any cgroups made below them. */
  async remove(): Promise<void> {
    await this.kill();
    for (const d of this.all()) await removeCgroupTree(d);
  }
}
