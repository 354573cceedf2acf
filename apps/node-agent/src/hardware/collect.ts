import os from 'node:os';
import type { ContainerRuntimeInfo, NodeHardware } from '@sluice/contracts';
import type { GpuHardwareReport } from '../gpu/types';
import { readCpu } from './cpu';
import { readDisks } from './disks';
import { readMemory } from './memory';
import { readInfiniband, readNics } from './network';
import { readKernelRelease, readOsRelease } from './os-release';
import { SysRoot } from './sysfs';

export interface CollectOptions {
  /** Where /proc, /sys and /etc are: "/" on a node, a recorded tree in tests. */
  root?: string;
  /** Machine architecture (uname -m); defaults to this machine's. */
  arch?: string;
  gpus: GpuHardwareReport;
  /** The container runtime (podman) as probed; left out of the report when not given. */
  containers?: ContainerRuntimeInfo | null;
}

/** The node's hardware and OS inventory. Cheap: a few hundred small file reads. */
export async function collectHardware(opts: CollectOptions): Promise<NodeHardware> {
  const sys = new SysRoot(opts.root ?? '/');
  const [cpu, memory, disks, nics, infiniband, osRelease, release] = await Promise.all([
    readCpu(sys),
    readMemory(sys),
    readDisks(sys),
    readNics(sys),
    readInfiniband(sys),
    readOsRelease(sys),
    readKernelRelease(sys),
  ]);
  return {
    cpu,
    memory,
    disks,
    nics,
    infiniband,
    os: osRelease,
    kernel: { release, arch: opts.arch ?? os.machine() },
    nvidia: opts.gpus.nvidia,
    gpus: opts.gpus.gpus,
    ...(opts.containers !== undefined ? { containers: opts.containers } : {}),
  };
}
