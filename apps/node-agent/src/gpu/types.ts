import type { GpuInfo } from '@sluice/contracts';

/** Where a node's GPU inventory comes from: the real driver, or a spec for nodes without GPUs. */
export interface GpuInventoryProvider {
  readonly source: 'nvidia-smi' | 'simulated';
  /** The node's GPUs, sorted by index. */
  list(): Promise<GpuInfo[]>;
}
