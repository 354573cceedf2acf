import type { GpuInfo } from '@sluice/contracts';
import { type CsvLine, csvLines, fieldReader, NvidiaSmiParseError } from './nvidia-smi-csv';

/**
 * Pure parsers for nvidia-smi's machine-readable queries. Each takes the command's stdout
 * and either returns fully validated records or throws NvidiaSmiParseError; none guesses.
 * The field lists below are the exact `--query-*=` lists the provider asks for: parser and
 * command share them so they cannot drift apart.
 */

export { NvidiaSmiParseError } from './nvidia-smi-csv';
export { type GpuLink, type GpuTopology, nvlinkCount, parseTopology, type TopologyAffinity } from './nvidia-smi-topology';

export const GPU_QUERY_FIELDS = ['index', 'uuid', 'name', 'memory.total'] as const;

export const GPU_METRICS_FIELDS = [
  'index',
  'uuid',
  'utilization.gpu',
  'utilization.memory',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
  'power.limit',
  'ecc.errors.uncorrected.volatile.total',
  'clocks_throttle_reasons.active',
] as const;

export const COMPUTE_APPS_FIELDS = ['gpu_uuid', 'pid', 'process_name', 'used_memory'] as const;

/** `--query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits` → GPUs sorted by index. */
export function parseGpuQuery(csv: string): GpuInfo[] {
  const gpus = csvLines(csv).map((line) => {
    const r = fieldReader('query-gpu', line, GPU_QUERY_FIELDS);
    return {
      index: r.int('index'),
      uuid: r.gpuUuid('uuid'),
      model: r.text('name'),
      // Unified-memory parts report memory.total as [N/A]. The GPU still exists, so it is
      // listed with 0 MiB (no memory to promise) rather than dropped or guessed.
      memoryMiB: r.optInt('memory.total') ?? 0,
    };
  });
  rejectDuplicates('query-gpu', gpus.map((g) => String(g.index)), 'index');
  rejectDuplicates('query-gpu', gpus.map((g) => g.uuid), 'uuid');
  return gpus.sort((a, b) => a.index - b.index);
}

export interface GpuMetrics {
  index: number;
  uuid: string;
  /** Percent of time a kernel ran over the driver's sample period, 0..100. */
  utilizationGpuPct: number | null;
  /** Percent of time device memory was read or written, 0..100. */
  utilizationMemoryPct: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  temperatureC: number | null;
  powerDrawW: number | null;
  powerLimitW: number | null;
  /** Uncorrected ECC errors since the driver loaded; null where ECC is off or absent. */
  eccUncorrectedVolatile: number | null;
  /** Bit mask of the reasons clocks are held down (1 = idle, 4 = power cap, …). */
  clockThrottleReasons: number | null;
}

/** `--query-gpu=<GPU_METRICS_FIELDS> --format=csv,noheader,nounits`; "[N/A]" and "[Not Supported]" become null. */
export function parseGpuMetrics(csv: string): GpuMetrics[] {
  const rows = csvLines(csv).map((line): GpuMetrics => {
    const r = fieldReader('gpu-metrics', line, GPU_METRICS_FIELDS);
    return {
      index: r.int('index'),
      uuid: r.gpuUuid('uuid'),
      utilizationGpuPct: r.optInt('utilization.gpu', 100),
      utilizationMemoryPct: r.optInt('utilization.memory', 100),
      memoryUsedMiB: r.optInt('memory.used'),
      memoryTotalMiB: r.optInt('memory.total'),
      temperatureC: r.optInt('temperature.gpu'),
      powerDrawW: r.optDecimal('power.draw'),
      powerLimitW: r.optDecimal('power.limit'),
      eccUncorrectedVolatile: r.optInt('ecc.errors.uncorrected.volatile.total'),
      clockThrottleReasons: r.optHexMask('clocks_throttle_reasons.active'),
    };
  });
  rejectDuplicates('gpu-metrics', rows.map((m) => String(m.index)), 'index');
  return rows.sort((a, b) => a.index - b.index);
}

export interface ComputeApp {
  gpuUuid: string;
  pid: number;
  processName: string;
  /** null where the driver cannot attribute memory (some containers, WDDM). */
  usedMemoryMiB: number | null;
}

/**
 * `--query-compute-apps=gpu_uuid,pid,process_name,used_memory --format=csv,noheader,nounits`.
 * No processes is an empty answer. nvidia-smi does not quote fields, so a process path
 * with a comma is rebuilt from everything between the second and the last comma.
 */
export function parseComputeApps(csv: string): ComputeApp[] {
  return csvLines(csv).map((line) => {
    const r = fieldReader('compute-apps', withNameRejoined(line), COMPUTE_APPS_FIELDS);
    return {
      gpuUuid: r.gpuUuid('gpu_uuid'),
      pid: r.int('pid'),
      processName: r.text('process_name'),
      usedMemoryMiB: r.optInt('used_memory'),
    };
  });
}

function withNameRejoined(line: CsvLine): CsvLine {
  if (line.cells.length <= COMPUTE_APPS_FIELDS.length) return line;
  const first = line.raw.indexOf(',');
  const second = line.raw.indexOf(',', first + 1);
  const last = line.raw.lastIndexOf(',');
  const cells = [line.raw.slice(0, first), line.raw.slice(first + 1, second), line.raw.slice(second + 1, last), line.raw.slice(last + 1)];
  return { ...line, cells: cells.map((c) => c.trim()) };
}

function rejectDuplicates(query: string, values: string[], field: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw new NvidiaSmiParseError(`${query}: ${field} ${JSON.stringify(v)} appears twice`);
    seen.add(v);
  }
}
