import type { GpuHardware, GpuInfo, GpuProblem, GpuSample } from '@sluice/contracts';

/** The GPU part of the node's hardware inventory. */
export interface GpuHardwareReport {
  gpus: GpuHardware[];
  /** Driver and CUDA versions; null without an NVIDIA driver (simulated GPUs). */
  nvidia: { driverVersion: string | null; cudaVersion: string | null } | null;
}

/** One look at the GPUs: a sample per GPU that answers, and what is wrong. */
export interface GpuSampling {
  gpus: GpuSample[];
  problems: GpuProblem[];
}

/** Where a node's GPU inventory comes from: the real driver, a spec (simulated GPUs), or none (a node without GPUs). */
export interface GpuInventoryProvider {
  readonly source: 'nvidia-smi' | 'simulated' | 'none';
  /** The node's GPUs, sorted by index. */
  list(): Promise<GpuInfo[]>;
  /** Inventory detail: PCI address, MIG mode, NVLink domain per GPU; driver versions. */
  hardware(): Promise<GpuHardwareReport>;
  /** Metrics and health now; XID events are reported once, by the first sample after them. */
  sample(): Promise<GpuSampling>;
}
