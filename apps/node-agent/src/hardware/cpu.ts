import type { CpuInfo } from '@sluice/contracts';
import type { SysRoot } from './sysfs';

/**
 * CPU model, sockets, physical cores and threads from /proc/cpuinfo (x86: "model name",
 * "physical id", "core id"; ARM: no model name, topology from /sys instead), NUMA nodes from
 * /sys/devices/system/node/node<N>/{cpulist,meminfo}.
 */
export async function readCpu(sys: SysRoot): Promise<CpuInfo> {
  const blocks = ((await sys.text('proc/cpuinfo')) ?? '').split(/\n\s*\n/).map(fields).filter((f) => f.has('processor'));
  const cores = new Set<string>();
  const sockets = new Set<string>();
  for (const f of blocks) {
    const cpu = f.get('processor') ?? '';
    const pkg = f.get('physical id') ?? (await sys.line(`sys/devices/system/cpu/cpu${cpu}/topology/physical_package_id`)) ?? '0';
    const core = f.get('core id') ?? (await sys.line(`sys/devices/system/cpu/cpu${cpu}/topology/core_id`)) ?? cpu;
    sockets.add(pkg);
    cores.add(`${pkg}/${core}`);
  }
  const first = blocks[0];
  const model = first?.get('model name') ?? first?.get('Processor') ?? first?.get('cpu model') ?? (await armModel(sys)) ?? 'unknown';
  const numaNodes = [];
  for (const entry of await sys.list('sys/devices/system/node')) {
    const m = /^node(\d+)$/.exec(entry);
    if (!m) continue;
    const cpus = (await sys.line(`sys/devices/system/node/${entry}/cpulist`)) ?? '';
    const meminfo = (await sys.text(`sys/devices/system/node/${entry}/meminfo`)) ?? '';
    const kb = /MemTotal:\s+(\d+) kB/.exec(meminfo)?.[1];
    numaNodes.push({ id: Number(m[1]), cpus, memoryMiB: kb ? Math.floor(Number(kb) / 1024) : null });
  }
  return { model, sockets: sockets.size, cores: cores.size, threads: blocks.length, numaNodes };
}

function fields(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

/** ARM servers (Grace) name the CPU only in the device tree or DMI. */
async function armModel(sys: SysRoot): Promise<string | null> {
  return (await sys.line('sys/devices/virtual/dmi/id/product_name')) ?? null;
}

