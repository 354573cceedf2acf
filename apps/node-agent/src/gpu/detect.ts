import { join } from 'node:path';
import type { GpuInfo } from '@sluice/contracts';
import { findNvidiaSmi, NvidiaSmiProvider } from './nvidia-smi-provider';
import { SimulatedGpuProvider } from './simulated-provider';
import type { GpuInventoryProvider } from './types';
import { KernelLogXidWatcher } from './xid';

export const DEFAULT_SIM_SPEC = '4xH100-80GB';

export interface DetectGpuProviderOptions {
  nodeName: string;
  /** Simulated GPUs where nvidia-smi is missing or fails; validated even when nvidia-smi answers. Without it a node with no nvidia-smi has no GPUs. */
  simSpec?: string;
  /** nvidia-smi to use; undefined = search PATH (findNvidiaSmi), null = do not use nvidia-smi. */
  nvidiaSmiPath?: string | null;
  /** PATH to search when nvidiaSmiPath is undefined; defaults to the process's. */
  pathEnv?: string;
  /** Where to look when PATH has none; defaults to findNvidiaSmi's (/usr/bin/nvidia-smi). */
  fallbacks?: readonly string[];
  timeoutMs?: number;
  /** The agent's state dir: simulated faults are read from it, the XID cursor is kept in it. */
  stateDir?: string;
  /** Kernel log to watch for XID events on real GPUs (default /dev/kmsg). */
  kernelLog?: string;
}

export interface DetectedGpuProvider {
  provider: GpuInventoryProvider;
  /** The inventory read while deciding, so boot does not ask nvidia-smi twice. */
  gpus: GpuInfo[];
  /** One line for the agent log saying what was chosen and why. */
  description: string;
}

/** A node without GPUs (no NVIDIA driver): it runs jobs that ask for none. */
const noGpus: GpuInventoryProvider = {
  source: 'none',
  list: async () => [],
  hardware: async () => ({ gpus: [], nvidia: null }),
  sample: async () => ({ gpus: [], problems: [] }),
};

/**
 * nvidia-smi when it is found and answers; simulated GPUs only when simSpec asks for them. It
 * must never advertise GPUs it does not have by accident: without nvidia-smi a node has no GPUs,
 * and a node whose nvidia-smi is there but fails (driver down) refuses to start.
 */
export async function detectGpuProvider(opts: DetectGpuProviderOptions): Promise<DetectedGpuProvider> {
  const simSpec = opts.simSpec ?? DEFAULT_SIM_SPEC;
  const simulated = new SimulatedGpuProvider(opts.nodeName, simSpec, opts.stateDir ?? null);
  const path = opts.nvidiaSmiPath === undefined ? findNvidiaSmi(opts.pathEnv ?? process.env.PATH, opts.fallbacks) : opts.nvidiaSmiPath;

  let why: string;
  if (path === null) {
    why = opts.nvidiaSmiPath === null ? 'nvidia-smi disabled by configuration' : 'no nvidia-smi on PATH';
    if (opts.simSpec === undefined) return { provider: noGpus, gpus: [], description: `no GPUs: ${why} (SLUICE_SIM_GPUS simulates some)` };
  } else {
    const xids = new KernelLogXidWatcher(opts.kernelLog ?? '/dev/kmsg', opts.stateDir ? join(opts.stateDir, 'xid-cursor.json') : null);
    const real = new NvidiaSmiProvider(path, opts.timeoutMs, xids);
    try {
      const gpus = await real.list();
      const xidNote = xids.unreadable ? `; XID events not watched (${xids.path}: ${xids.unreadable})` : `; XID events from ${xids.path}`;
      return { provider: real, gpus, description: `GPUs from nvidia-smi (${path}): ${summarize(gpus)}${xidNote}` };
    } catch (err) {
      why = `nvidia-smi did not answer: ${err instanceof Error ? err.message : String(err)}`;
      if (opts.simSpec === undefined) throw new Error(`${why} — fix the GPU driver, or set SLUICE_SIM_GPUS to run this node with simulated GPUs`);
    }
  }
  const gpus = await simulated.list();
  return { provider: simulated, gpus, description: `SIMULATED GPUs "${simSpec}" (${summarize(gpus)}) because ${why}` };
}

function summarize(gpus: GpuInfo[]): string {
  if (gpus.length === 0) return 'no GPUs';
  const counts = new Map<string, number>();
  for (const g of gpus) counts.set(g.model, (counts.get(g.model) ?? 0) + 1);
  return [...counts].map(([model, n]) => `${n}× ${model}`).join(', ');
}
