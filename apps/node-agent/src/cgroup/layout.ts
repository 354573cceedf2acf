import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The cgroup v1 controllers Sluice uses: limits (memory, cpu) and membership (pids). */
export const V1_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

/**
 * How cgroups are mounted on this node.
 * - `v2`: /sys/fs/cgroup is cgroup2 with controllers: membership, kill and limits all there.
 * - `hybrid`: an empty cgroup2 tree at /sys/fs/cgroup/unified (membership, cgroup.kill) beside
 *   v1 controller hierarchies (limits).
 * - `v1`: only v1 hierarchies: membership through them, kill by signalling every member.
 * - `none`: no cgroup filesystem the agent understands.
 */
export interface CgroupLayout {
  kind: 'v2' | 'hybrid' | 'v1' | 'none';
  /** The cgroup2 mount, or null. */
  unified: string | null;
  /** Controllers the cgroup2 root offers (`cgroup.controllers`). */
  v2Controllers: string[];
  /** Mount points of the v1 hierarchies that exist. */
  v1: Partial<Record<V1Controller, string>>;
}

const readWords = (file: string): string[] => readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean);

/** Reads the layout under `mountRoot` (normally /sys/fs/cgroup; a fake tree in tests). */
export function detectLayout(mountRoot: string): CgroupLayout {
  if (existsSync(path.join(mountRoot, 'cgroup.controllers'))) {
    return { kind: 'v2', unified: mountRoot, v2Controllers: readWords(path.join(mountRoot, 'cgroup.controllers')), v1: {} };
  }
  const unifiedDir = path.join(mountRoot, 'unified');
  const unified = existsSync(path.join(unifiedDir, 'cgroup.controllers')) ? unifiedDir : null;
  const v1: CgroupLayout['v1'] = {};
  for (const c of V1_CONTROLLERS) {
    const dir = path.join(mountRoot, c);
    if (existsSync(path.join(dir, 'cgroup.procs'))) v1[c] = dir;
  }
  const hasV1 = Object.keys(v1).length > 0;
  return {
    kind: unified && hasV1 ? 'hybrid' : unified ? 'v2' : hasV1 ? 'v1' : 'none',
    unified,
    v2Controllers: unified ? readWords(path.join(unified, 'cgroup.controllers')) : [],
    v1,
  };
}

/**
 * The agent's own cgroup in each hierarchy, from /proc/self/cgroup
 * (`0::/path` for cgroup2, `4:memory:/path` or `1:cpu,cpuacct:/path` for v1).
 */
export function parseProcCgroup(text: string): { unified: string | null; v1: Partial<Record<V1Controller, string>> } {
  const out: ReturnType<typeof parseProcCgroup> = { unified: null, v1: {} };
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, id, controllers = '', where = '/'] = m;
    if (id === '0' && controllers === '') out.unified = where;
    for (const c of controllers.split(',')) if ((V1_CONTROLLERS as readonly string[]).includes(c)) out.v1[c as V1Controller] = where;
  }
  return out;
}
