/**
 * Builders for scheduler scenarios in tests: node(), job(), running(),
 * account(), snapshot(). Small defaults so a test states only what matters.
 */
import type { AccountSpec, ClusterSnapshot, GpuSlot, NodeSnapshot, PendingJob, RunningJob } from '../types';

export interface NodeOpts {
  model?: string;
  pool?: string;
  labels?: Record<string, string>;
  schedulable?: boolean;
  /** GPUs per NVLink domain (domains numbered 0, 1, ...). */
  nvlinkDomainSize?: number;
}

export function node(name: string, gpus = 8, opts: NodeOpts = {}): NodeSnapshot {
  const slots: GpuSlot[] = [];
  for (let i = 0; i < gpus; i++) {
    const s: GpuSlot = { uuid: `${name}-gpu${i}`, index: i, model: opts.model ?? 'A100', jobId: null };
    if (opts.nvlinkDomainSize) s.nvlinkDomain = Math.floor(i / opts.nvlinkDomainSize);
    slots.push(s);
  }
  return {
    name,
    schedulable: opts.schedulable ?? true,
    gpus: slots,
    ...(opts.pool !== undefined ? { pool: opts.pool } : {}),
    ...(opts.labels !== undefined ? { labels: opts.labels } : {}),
  };
}

export function job(id: string, opts: Partial<PendingJob> = {}): PendingJob {
  return { id, user: 'u1', account: 'a', gpus: 1, submittedAt: 0, timeLimitSec: 3600, basePriority: 0, ...opts };
}

/**
 * A running job on `on`, holding the given GPU indices (or the first free ones
 * when a count is given); marks those GPUs as taken on the node.
 */
export function running(id: string, on: NodeSnapshot, gpus: number | number[], opts: Partial<RunningJob> = {}): RunningJob {
  const wanted = Array.isArray(gpus) ? gpus : on.gpus.filter((g) => g.jobId === null && !g.shared?.length).slice(0, gpus).map((g) => g.index);
  const uuids: string[] = [];
  for (const idx of wanted) {
    const slot = on.gpus.find((g) => g.index === idx);
    if (!slot || slot.jobId !== null) throw new Error(`GPU ${idx} of ${on.name} is not free`);
    slot.jobId = id;
    uuids.push(slot.uuid);
  }
  if (uuids.length !== (Array.isArray(gpus) ? gpus.length : gpus)) throw new Error(`not enough free GPUs on ${on.name} for ${id}`);
  return { id, user: 'u1', account: 'a', node: on.name, gpuUuids: uuids, startedAt: 0, timeLimitSec: 3600, ...opts };
}

export function account(name: string, opts: Omit<AccountSpec, 'name'> = {}): AccountSpec {
  return { name, ...opts };
}

export function snapshot(parts: Partial<ClusterSnapshot> & Pick<ClusterSnapshot, 'nodes'>): ClusterSnapshot {
  return { pending: [], running: [], ...parts };
}

/** n nodes called n01, n02, ... with `gpus` GPUs each. */
export function nodes(n: number, gpus = 8, opts: NodeOpts = {}): NodeSnapshot[] {
  return Array.from({ length: n }, (_, i) => node(`n${String(i + 1).padStart(String(n).length, '0')}`, gpus, opts));
}

export { seededRng } from '../rng';
