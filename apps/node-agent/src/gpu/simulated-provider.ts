import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuHardware, GpuInfo, GpuSample } from '@sluice/contracts';
import { gpuProblems } from './health';
import type { LostGpuLine } from './nvidia-smi-inventory';
import type { GpuHardwareReport, GpuInventoryProvider, GpuSampling } from './types';
import { KernelLogXidWatcher } from './xid';

/**
 * GPUs for nodes that have none (development, CI, the simulator), described by a spec such
 * as "8xH100-80GB" or "4xH100-80GB,2xA100-40GB": comma-separated "<count>x<model>", memory
 * from a trailing "-<N>GB" (N × 1024 MiB), else 16 GiB; a bare count "8" means "8xH100-80GB". UUIDs are derived from the node
 * name and index, so a restarted agent reports the same GPUs and two nodes never share one.
 */

export const MAX_SIM_GPUS_PER_NODE = 64;
export const DEFAULT_SIM_GPU_MEMORY_MIB = 16_384;
/** The model of a spec that gives only a count. */
export const DEFAULT_SIM_GPU_MODEL = 'H100-80GB';
const MAX_SIM_GPU_MEMORY_GB = 1024;

export interface SimGpuGroup {
  count: number;
  model: string;
  memoryMiB: number;
}

export function parseSimGpuSpec(spec: string): SimGpuGroup[] {
  const bad = (part: string, why: string) => new Error(`invalid simulated GPU spec ${JSON.stringify(spec)}: ${JSON.stringify(part)} ${why}`);
  if (spec.trim() === '') throw new Error(`invalid simulated GPU spec ${JSON.stringify(spec)}: expected e.g. "4xH100-80GB" or "4xH100-80GB,2xA100-40GB"`);
  const full = /^\s*\d+\s*$/.test(spec) ? `${spec.trim()}x${DEFAULT_SIM_GPU_MODEL}` : spec;
  const groups = full.split(',').map((rawPart): SimGpuGroup => {
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

/** Files in the agent's state dir that simulate GPU faults (see README "Simulated GPU faults"). */
export const SIM_FAULTS_FILE = 'sim-gpu-faults';
export const SIM_KERNEL_LOG_FILE = 'sim-kernel.log';

export interface SimFault {
  index: number;
  kind: 'ecc' | 'lost';
  count: number;
}

/** Lines "<index> ecc [count]" or "<index> lost"; blank lines and # comments are skipped. */
export function parseSimFaults(text: string): SimFault[] {
  return text.split(/\r?\n/).flatMap((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return [];
    const m = /^(\d+)\s+(ecc|lost)(?:\s+(\d+))?$/.exec(line);
    if (!m?.[1] || !m[2]) throw new Error(`${SIM_FAULTS_FILE} line ${i + 1}: ${JSON.stringify(raw)} is not "<index> ecc [count]" or "<index> lost"`);
    return [{ index: Number(m[1]), kind: m[2] as SimFault['kind'], count: Number(m[3] ?? 1) }];
  });
}

/** A plausible PCI address for simulated GPU i, so kernel-log XIDs can name it. */
export const simulatedPciBusId = (index: number): string => `00000000:${(0x18 + index).toString(16).toUpperCase().padStart(2, '0')}:00.0`;

export class SimulatedGpuProvider implements GpuInventoryProvider {
  readonly source = 'simulated' as const;
  private readonly gpus: readonly GpuInfo[];
  private readonly xids: KernelLogXidWatcher | null;

  /** With a state dir, faults can be simulated through files in it. */
  constructor(
    readonly nodeName: string,
    readonly spec: string,
    private readonly stateDir: string | null = null,
  ) {
    if (nodeName === '') throw new Error('SimulatedGpuProvider needs a node name (GPU UUIDs derive from it)');
    let index = 0;
    this.gpus = parseSimGpuSpec(spec).flatMap((g) =>
      Array.from({ length: g.count }, () => {
        const i = index++;
        return { index: i, uuid: simulatedGpuUuid(nodeName, i), model: g.model, memoryMiB: g.memoryMiB };
      }),
    );
    this.xids = stateDir ? new KernelLogXidWatcher(join(stateDir, SIM_KERNEL_LOG_FILE), join(stateDir, 'sim-kernel.log.cursor')) : null;
  }

  async list(): Promise<GpuInfo[]> {
    return this.gpus.map((g) => ({ ...g }));
  }

  async hardware(): Promise<GpuHardwareReport> {
    return { gpus: this.hardwareOf(), nvidia: null };
  }

  /** Idle, cool GPUs, except where the faults file says otherwise; XIDs from the simulated kernel log. */
  async sample(): Promise<GpuSampling> {
    const faults = this.readFaults();
    const fault = (i: number, kind: SimFault['kind']) => faults.find((f) => f.index === i && f.kind === kind);
    const lost: LostGpuLine[] = [];
    const samples: GpuSample[] = [];
    for (const g of this.gpus) {
      if (fault(g.index, 'lost')) {
        lost.push({ pciBusId: simulatedPciBusId(g.index).slice(4), message: 'GPU is lost.  Reboot the system to recover this GPU' });
        continue;
      }
      samples.push({
        index: g.index,
        uuid: g.uuid,
        utilizationPct: 0,
        memoryUsedMiB: 0,
        memoryTotalMiB: g.memoryMiB,
        temperatureC: 34,
        powerDrawW: 70,
        eccUncorrected: fault(g.index, 'ecc')?.count ?? 0,
        processes: [],
      });
    }
    const xids = this.xids?.poll() ?? [];
    return { gpus: samples, problems: gpuProblems({ known: this.hardwareOf(), samples, lost, xids }) };
  }

  private hardwareOf(): GpuHardware[] {
    return this.gpus.map((g) => ({ ...g, pciBusId: simulatedPciBusId(g.index), migMode: null, nvlinkDomain: null, numaAffinity: null }));
  }

  private readFaults(): SimFault[] {
    if (!this.stateDir) return [];
    let text: string;
    try {
      text = readFileSync(join(this.stateDir, SIM_FAULTS_FILE), 'utf8');
    } catch {
      return [];
    }
    return parseSimFaults(text);
  }
}
