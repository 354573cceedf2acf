import os from 'node:os';
import type { NodeInventory } from '@sluice/contracts';
import type { GpuInventoryProvider } from './gpu/types';

/** What this node offers, as sent in the hello. */
export async function readInventory(nodeName: string, gpus: GpuInventoryProvider): Promise<NodeInventory> {
  return {
    name: nodeName,
    hostname: os.hostname(),
    cpus: os.availableParallelism(),
    memoryMiB: Math.floor(os.totalmem() / 1024 / 1024),
    gpuSource: gpus.source,
    gpus: await gpus.list(),
  };
}
