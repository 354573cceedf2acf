import { createHash } from 'node:crypto';
import type { GpuInfo } from '@sluice/contracts';
import type { GpuInventoryProvider } from './types';

/**
 * GPUs for nodes that have none (development, CI, the simulator), described by a spec such
 * as "8xH100-80GB" or "4xH100-80GB,2xA100-40GB": comma-separated "<count>x<model>", memory
 * from a trailing "-<N>GB" (N × 1024 MiB), else 16 GiB. UUIDs are derived from the node
 * name and index, so a restarted agent reports the same GPUs and two nodes never share one.
 */

export const MAX_SIM_GPUS_PER_NODE = 64;
export const DEFAULT_SIM_GPU_MEMORY_MIB = 16_384;
const MAX_SIM_GPU_MEMORY_GB = 1024;

export interface SimGpuGroup {
  count: number;
  model: string;
  memoryMiB: number;
}

export function parseSimGpuSpec(spec: string): SimGpuGroup[] {
  const bad = (part: string, why: string) => new Error(`invalid simulated GPU spec ${JSON.stringify(spec)}: ${JSON.stringify(part)} ${why}`);
  if (spec.trim() === '') throw new Error('invalid simulated GPU spec "": expected e.g. "4xH100-80GB" or "4xH100-80GB,2xA100-40GB"');
  const groups = spec.split(',').map((rawPart): SimGpuGroup => {
    const part = rawPart.trim();
    const m = /^(\d+)\s*x\s*(\S+)$/i.exec(part);
    if (!m?.[1] || !m[2]) throw bad(part, 'is not "<count>x<model>", e.g. "4xH100-80GB"');
    const count = Number(m[1]);
    const model = m[2];
    if (count < 1 || count > MAX_SIM_GPUS_PER_NODE) throw bad(part, `has count ${m[1]}; it must be 1..${MAX_SIM_GPUS_PER_NODE}`);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(model)) throw bad(part, 'has a model name with characters other than letters, digits, ".", "_" and "-"');
    const size = /[-_](\d+)GB$/i.exec(model);
    if (!size?.[1]) return { count, model, memoryMiB: DEFAULT_SIM_GPU_MEMORY_MIB };
    const gb = Number(size[1]);
    if (gb < 1 || gb > MAX_SIM_GPU_MEMORY_GB) throw bad(part, `has memory ${size[1]}GB; it must be 1..${MAX_SIM_GPU_MEMORY_GB}GB`);
    return { count, model, memoryMiB: gb * 1024 };
  });
  const total = groups.reduce((n, g) => n + g.count, 0);
  if (total > MAX_SIM_GPUS_PER_NODE) throw new Error(`invalid simulated GPU spec ${JSON.stringify(spec)}: ${total} GPUs; at most ${MAX_SIM_GPUS_PER_NODE} per node`);
  return groups;
}

/** GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx from sha256("<nodeName>:<index>"). */
export function simulatedGpuUuid(nodeName: string, index: number): string {
  const h = createHash('sha256').update(`${nodeName}:${index}`).digest('hex');
  return `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export class SimulatedGpuProvider implements GpuInventoryProvider {
  readonly source = 'simulated' as const;
  private readonly gpus: readonly GpuInfo[];

  constructor(
    readonly nodeName: string,
    readonly spec: string,
  ) {
    if (nodeName === '') throw new Error('SimulatedGpuProvider needs a node name (GPU UUIDs derive from it)');
    let index = 0;
    this.gpus = parseSimGpuSpec(spec).flatMap((g) =>
      Array.from({ length: g.count }, () => {
        const i = index++;
        return { index: i, uuid: simulatedGpuUuid(nodeName, i), model: g.model, memoryMiB: g.memoryMiB };
      }),
    );
  }

  async list(): Promise<GpuInfo[]> {
    return this.gpus.map((g) => ({ ...g }));
  }
}
