import { csvLines, fieldReader, NvidiaSmiParseError } from './nvidia-smi-csv';
import type { GpuTopology } from './nvidia-smi-topology';

/**
 * Parsers for what the hardware inventory needs beyond the basic GPU list: PCI bus ids, MIG
 * mode and driver version per GPU, driver/CUDA versions, NVLink domains from `topo -m`, and
 * the lines nvidia-smi prints instead of a record for a GPU that fell off the bus.
 */

export const GPU_INVENTORY_FIELDS = ['index', 'uuid', 'name', 'memory.total', 'pci.bus_id', 'mig.mode.current', 'driver_version'] as const;

export interface GpuInventoryRow {
  index: number;
  uuid: string;
  model: string;
  memoryMiB: number;
  /** As nvidia-smi prints it: "00000000:18:00.0". */
  pciBusId: string;
  /** "Enabled" / "Disabled"; null where the GPU has no MIG ("[N/A]"). */
  migMode: string | null;
  driverVersion: string | null;
}

/** `--query-gpu=<GPU_INVENTORY_FIELDS> --format=csv,noheader,nounits` → GPUs sorted by index. */
export function parseGpuInventory(csv: string): GpuInventoryRow[] {
  const rows = csvLines(csv).map((line): GpuInventoryRow => {
    const r = fieldReader('gpu-inventory', line, GPU_INVENTORY_FIELDS);
    const pciBusId = r.text('pci.bus_id');
    if (!PCI_BUS_ID.test(pciBusId)) throw new NvidiaSmiParseError(`gpu-inventory line ${line.lineNo}: pci.bus_id ${JSON.stringify(pciBusId)} is not a PCI address`);
    return {
      index: r.int('index'),
      uuid: r.gpuUuid('uuid'),
      model: r.text('name'),
      memoryMiB: r.optInt('memory.total') ?? 0,
      pciBusId,
      migMode: r.optText('mig.mode.current'),
      driverVersion: r.optText('driver_version'),
    };
  });
  return rows.sort((a, b) => a.index - b.index);
}

const PCI_BUS_ID = /^[0-9a-f]{1,8}:[0-9a-f]{2}:[0-9a-f]{2}(\.[0-7])?$/i;

/**
 * One key for the PCI address of a GPU however it is printed: nvidia-smi's "00000000:3B:00.0",
 * the kernel log's "0000:3b:00" and the lost-GPU message's "0000:3B:00.0" all become "0000:3b:00".
 */
export function pciKey(address: string): string | null {
  const m = /^(?:PCI:)?([0-9a-f]{1,8}):([0-9a-f]{2}):([0-9a-f]{2})(?:\.[0-7])?$/i.exec(address.trim());
  if (!m?.[1] || !m[2] || !m[3]) return null;
  return `${Number.parseInt(m[1], 16).toString(16).padStart(4, '0')}:${m[2].toLowerCase()}:${m[3].toLowerCase()}`;
}

export interface DriverVersions {
  driverVersion: string | null;
  cudaVersion: string | null;
}

/**
 * Driver and CUDA versions from `nvidia-smi --version` ("DRIVER version : 550.120",
 * "CUDA Version : 12.4") or from the banner of plain `nvidia-smi` ("Driver Version: 535.104.05
 * CUDA Version: 12.2"), whichever the driver answers.
 */
export function parseDriverVersions(text: string): DriverVersions {
  const pick = (re: RegExp) => re.exec(text)?.[1] ?? null;
  return {
    driverVersion: pick(/driver version\s*:\s*([0-9][0-9.]*)/i),
    cudaVersion: pick(/cuda version\s*:\s*([0-9][0-9.]*)/i),
  };
}

/**
 * NVLink domains from a `topo -m` matrix: GPUs joined by an NV# link, directly or through other
 * GPUs, form one domain. Domains are named nvl0, nvl1… in order of their lowest GPU; a GPU with
 * no NVLink peer has none (null). Keyed by the GPU index in the label (GPU3 → 3).
 */
export function nvlinkDomains(topo: GpuTopology): Map<number, string | null> {
  const parent = topo.gpus.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] ?? i;
    return i;
  };
  const linked = new Set<number>();
  for (const [i, row] of topo.gpuLinks.entries()) {
    for (const [j, link] of row.entries()) {
      if (i === j || !/^NV\d+$/.test(link)) continue;
      linked.add(i).add(j);
      const [a, b] = [find(i), find(j)].sort((x, y) => x - y) as [number, number];
      parent[b] = a;
    }
  }
  const indexOf = (label: string) => Number(label.slice(3));
  const order = topo.gpus.map((label, i) => ({ i, index: indexOf(label) })).sort((a, b) => a.index - b.index);
  const names = new Map<number, string>();
  const out = new Map<number, string | null>();
  for (const { i, index } of order) {
    if (!linked.has(i)) {
      out.set(index, null);
      continue;
    }
    const root = find(i);
    if (!names.has(root)) names.set(root, `nvl${names.size}`);
    out.set(index, names.get(root) ?? null);
  }
  return out;
}

export interface LostGpuLine {
  /** As printed, e.g. "0000:3B:00.0". */
  pciBusId: string;
  /** The driver's words, e.g. "GPU is lost.  Reboot the system to recover this GPU". */
  message: string;
}

const LOST = /^Unable to determine the device handle for GPU\s*([0-9a-f]{1,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]):\s*(.*)$/i;

/**
 * nvidia-smi prints "Unable to determine the device handle for GPU 0000:3B:00.0: GPU is lost…"
 * (newer drivers without the space: "GPU0000:…") in place of a fallen-off GPU's record and exits
 * non-zero. Splits such lines from the records of the GPUs that still answer.
 */
export function splitLostGpus(text: string): { records: string; lost: LostGpuLine[] } {
  const lost: LostGpuLine[] = [];
  const records: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const m = LOST.exec(line.trim());
    if (m?.[1]) lost.push({ pciBusId: m[1], message: (m[2] ?? '').trim() });
    else records.push(line);
  }
  return { records: records.join('\n'), lost };
}
