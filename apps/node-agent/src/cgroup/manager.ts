import { constants, readFileSync } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { JobCgroup } from './job-cgroup';
import { type CgroupLayout, detectLayout, parseProcCgroup } from './layout';

export interface CgroupOptions {
  /** Where the cgroup filesystems are mounted (/sys/fs/cgroup; a fake tree in tests). */
  mountRoot: string;
  /** The agent's /proc/self/cgroup text (read from the kernel when absent). */
  selfCgroup?: string;
  /** Name of the parent of all job cgroups. */
  parentName?: string;
  /**
   * The agent's node name, part of each job cgroup's name (`job-<id>.<node>`): several agents on
   * one host (SLUICE_AGENTS) may each run a part of the same multi-node job, and must never
   * kill or remove each other's.
   */
  nodeName?: string;
}

/** Where job cgroups go in each hierarchy, once the agent knows what it may write. */
interface Placement {
  unified: string | null;
  v2Limits: boolean;
  memory: string | null;
  cpu: string | null;
  pids: string | null;
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Makes the parent cgroup (`sluice.slice` at the root of each hierarchy, or under the agent's
 * own cgroup where the root is not writable) and hands out one child per job. Where nothing
 * is writable it says so once and hands out none: workloads then are cleaned up by process
 * group only.
 */
export class CgroupManager {
  private placement: Placement | null = null;
  /** cgroup.procs of `<parent>/supervisors` in the cgroup2 tree, where job supervisors are moved; null without one. */
  supervisorProcs: string | null = null;
  readonly notes: string[] = [];
  layout: CgroupLayout | null = null;

  constructor(private readonly opts: CgroupOptions) {}

  /** Detects the layout and prepares the parent cgroups. Never throws: problems become notes. */
  async init(log: Logger): Promise<void> {
    const layout = detectLayout(this.opts.mountRoot);
    this.layout = layout;
    const own = parseProcCgroup(this.opts.selfCgroup ?? readFileSync('/proc/self/cgroup', 'utf8'));
    const parent = this.opts.parentName ?? 'sluice.slice';
    const problems: string[] = [];
    const prepare = async (mount: string | undefined | null, ownPath: string | undefined, what: string) => {
      if (!mount) return null;
      const tried: string[] = [];
      for (const dir of [path.join(mount, parent), ...(ownPath && ownPath !== '/' ? [path.join(mount, ownPath, parent)] : [])]) {
        try {
          await mkdir(dir, { recursive: true });
          // It may exist already (made by an earlier agent as another user): job cgroups go inside.
          await access(dir, constants.W_OK | constants.X_OK);
          return dir;
        } catch (err) {
          tried.push(`${dir}: ${errText(err)}`);
        }
      }
      problems.push(`${what}: ${tried.join('; ')}`);
      return null;
    };

    const unified = await prepare(layout.unified, own.unified ?? undefined, 'cgroup2');
    let v2Limits = false;
    if (unified && layout.unified && layout.kind === 'v2') v2Limits = await this.enableControllers(layout.unified, unified, layout.v2Controllers, problems);
    const v1Memory = v2Limits ? null : await prepare(layout.v1.memory, own.v1.memory, 'memory (v1)');
    const v1Cpu = v2Limits ? null : await prepare(layout.v1.cpu, own.v1.cpu, 'cpu (v1)');
    // pids only carries membership where there is no cgroup2 tree for it.
    const v1Pids = unified ? null : await prepare(layout.v1.pids, own.v1.pids, 'pids (v1)');
    const placement: Placement = { unified, v2Limits, memory: v1Memory, cpu: v1Cpu, pids: v1Pids };

    const members = [unified, v1Memory, v1Cpu, v1Pids].filter(Boolean);
    if (members.length === 0) {
      this.notes.push(
        `cgroups: nothing writable under ${this.opts.mountRoot} (layout ${layout.kind}${problems.length ? `; ${problems.join('; ')}` : ''}): ` +
          'workloads are cleaned up by process group only, CPU and memory limits are NOT enforced, and a process that leaves its process group can outlive its job',
      );
      log.warn(this.notes[0]);
      return;
    }
    this.placement = placement;
    if (unified) {
      // Job supervisors live here, out of the agent's own cgroup: stopping the agent's service
      // (systemd kills its whole cgroup by default) must not take them along.
      const supervisors = path.join(unified, 'supervisors');
      this.supervisorProcs = await mkdir(supervisors, { recursive: true }).then(
        () => path.join(supervisors, 'cgroup.procs'),
        () => null,
      );
    }
    if (!v2Limits && !v1Memory) this.notes.push(`cgroups: memory limits are NOT enforced (no writable memory controller${problems.length ? `: ${problems.join('; ')}` : ''})`);
    if (!v2Limits && !v1Cpu) this.notes.push(`cgroups: CPU limits are NOT enforced (no writable cpu controller${problems.length ? `: ${problems.join('; ')}` : ''})`);
    for (const n of this.notes) log.warn(n);
    log.info({ layout: layout.kind, ...placement }, 'cgroups ready');
  }

  /** Turns on memory, cpu and pids for the children of every cgroup from the root down to `parent`. */
  private async enableControllers(root: string, parent: string, available: string[], problems: string[]): Promise<boolean> {
    const wanted = ['memory', 'cpu', 'pids'].filter((c) => available.includes(c));
    if (!wanted.includes('memory') || !wanted.includes('cpu')) {
      problems.push(`cgroup2 offers only "${available.join(' ')}" (memory and cpu are needed for limits)`);
      return false;
    }
    const chain = [root, ...path.relative(root, parent).split(path.sep).filter(Boolean).map((_, i, parts) => path.join(root, ...parts.slice(0, i + 1)))];
    try {
      for (const dir of chain) {
        const current = (await readFile(path.join(dir, 'cgroup.subtree_control'), 'utf8').catch(() => '')).split(/\s+/);
        for (const c of wanted) if (!current.includes(c)) await writeFile(path.join(dir, 'cgroup.subtree_control'), `+${c}`);
      }
      return true;
    } catch (err) {
      // EBUSY: a cgroup on the way has processes of its own (cgroup2's no-internal-processes rule).
      problems.push(`cannot enable ${wanted.join(', ')} below ${parent}: ${errText(err)}`);
      return false;
    }
  }

  /** Whether jobs get their own cgroup on this node. */
  get enabled(): boolean {
    return this.placement !== null;
  }

  /** The cgroup for a job (not created yet), or null when the node has none to give. */
  forJob(jobId: string): JobCgroup | null {
    const p = this.placement;
    if (!p) return null;
    const name = this.opts.nodeName ? `job-${jobId}.${this.opts.nodeName}` : `job-${jobId}`;
    const child = (dir: string | null) => (dir ? path.join(dir, name) : null);
    return new JobCgroup({ unified: child(p.unified), v2Limits: p.v2Limits, memory: child(p.memory), cpu: child(p.cpu), pids: child(p.pids) });
  }
}
