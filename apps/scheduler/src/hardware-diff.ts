import type { NodeHardware } from '@sluice/contracts';

export interface HardwareChange {
  type: 'added' | 'removed' | 'changed';
  /** What changed, e.g. "gpu GPU-…", "disk nvme0n1", "nic ib0", "memory". */
  component: string;
  detail: string;
}

const gib = (mib: number) => `${Math.round(mib / 1024)} GiB`;
const tb = (bytes: number) => (bytes >= 1e12 ? `${(bytes / 1e12).toFixed(2)} TB` : `${Math.round(bytes / 1e9)} GB`);

/**
 * The node's hardware as named components with a one-line description each. Only what
 * identifies hardware goes in (model, size, MAC, rate), not what moves on its own (link state,
 * free memory), so a diff is a history of parts added, removed or replaced. Memory is rounded
 * to GiB: MemTotal moves by a few MiB between kernels.
 */
export function hardwareComponents(hw: NodeHardware): Map<string, string> {
  const c = new Map<string, string>();
  c.set('cpu', `${hw.cpu.model}: ${hw.cpu.sockets} sockets, ${hw.cpu.cores} cores, ${hw.cpu.threads} threads`);
  c.set('memory', gib(hw.memory.totalMiB));
  for (const g of hw.gpus) {
    const mig = g.migMode ? `, MIG ${g.migMode.toLowerCase()}` : '';
    c.set(`gpu ${g.uuid}`, `GPU ${g.index}: ${g.model}, ${gib(g.memoryMiB)}${g.pciBusId ? ` at ${g.pciBusId}` : ''}${mig}`);
  }
  for (const d of hw.disks) c.set(`disk ${d.name}`, `${d.model ?? 'unknown model'}, ${tb(d.sizeBytes)}${d.rotational ? ', rotational' : ''}`);
  for (const n of hw.nics) c.set(`nic ${n.name}`, `${n.kind}${n.mac ? ` ${n.mac}` : ''}`);
  for (const p of hw.infiniband) c.set(`rdma ${p.device}/${p.port}`, `${p.linkLayer ?? 'unknown link layer'}${p.rate ? `, ${p.rate}` : ''}`);
  c.set('os', hw.os.prettyName);
  c.set('kernel', `${hw.kernel.release} (${hw.kernel.arch})`);
  if (hw.containers) c.set('container runtime', `${hw.containers.name} ${hw.containers.version}${hw.containers.cdiGpuDevices.length > 0 ? ', CDI for NVIDIA GPUs' : ''}`);
  if (hw.nvidia) c.set('nvidia driver', `driver ${hw.nvidia.driverVersion ?? 'unknown'}, CUDA ${hw.nvidia.cudaVersion ?? 'unknown'}`);
  return c;
}

/** What changed from one inventory to the next; everything is "added" when there was none before. */
export function diffHardware(prev: NodeHardware | null, next: NodeHardware): HardwareChange[] {
  const before = prev ? hardwareComponents(prev) : new Map<string, string>();
  const after = hardwareComponents(next);
  const changes: HardwareChange[] = [];
  for (const [component, detail] of after) {
    const old = before.get(component);
    if (old === undefined) changes.push({ type: 'added', component, detail });
    else if (old !== detail) changes.push({ type: 'changed', component, detail: `${old} → ${detail}` });
  }
  for (const [component, detail] of before) {
    if (!after.has(component)) changes.push({ type: 'removed', component, detail });
  }
  return changes;
}
