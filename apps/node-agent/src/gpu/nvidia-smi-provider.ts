import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { GpuHardware, GpuInfo, GpuSample } from '@sluice/contracts';
import { gpuProblems } from './health';
import {
  GPU_INVENTORY_FIELDS,
  nvlinkDomains,
  parseDriverVersions,
  parseGpuInventory,
  splitLostGpus,
} from './nvidia-smi-inventory';
import {
  COMPUTE_APPS_FIELDS,
  type ComputeApp,
  GPU_METRICS_FIELDS,
  GPU_QUERY_FIELDS,
  type GpuMetrics,
  type GpuTopology,
  parseComputeApps,
  parseGpuMetrics,
  parseGpuQuery,
  parseTopology,
} from './nvidia-smi-parse';
import type { GpuHardwareReport, GpuInventoryProvider, GpuSampling } from './types';
import type { KernelLogXidWatcher } from './xid';

export const NVIDIA_SMI_TIMEOUT_MS = 10_000;
const CSV_FORMAT = '--format=csv,noheader,nounits';

/** The real inventory: runs nvidia-smi (no shell) and parses its answer. */
export class NvidiaSmiProvider implements GpuInventoryProvider {
  readonly source = 'nvidia-smi' as const;
  /** The GPUs of the last hardware(): what sample() expects to answer. */
  private known: GpuHardware[] = [];

  constructor(
    readonly path: string,
    private readonly timeoutMs: number = NVIDIA_SMI_TIMEOUT_MS,
    private readonly xids: KernelLogXidWatcher | null = null,
  ) {}

  async list(): Promise<GpuInfo[]> {
    return parseGpuQuery(await this.run([`--query-gpu=${GPU_QUERY_FIELDS.join(',')}`, CSV_FORMAT]));
  }

  async metrics(): Promise<GpuMetrics[]> {
    return parseGpuMetrics(await this.run([`--query-gpu=${GPU_METRICS_FIELDS.join(',')}`, CSV_FORMAT]));
  }

  async computeApps(): Promise<ComputeApp[]> {
    return parseComputeApps(await this.run([`--query-compute-apps=${COMPUTE_APPS_FIELDS.join(',')}`, CSV_FORMAT]));
  }

  async topology(): Promise<GpuTopology> {
    return parseTopology(await this.run(['topo', '-m']));
  }

  /** Inventory query, then topology and versions; a GPU set without topology (old driver, no NVLink) still counts. */
  async hardware(): Promise<GpuHardwareReport> {
    const rows = parseGpuInventory(await this.run([`--query-gpu=${GPU_INVENTORY_FIELDS.join(',')}`, CSV_FORMAT]));
    const topo = await this.topology().catch(() => null);
    const domains = topo ? nvlinkDomains(topo) : new Map<number, string | null>();
    const numa = new Map(topo?.gpus.map((label, i) => [Number(label.slice(3)), topo.affinity[i]?.numaAffinity ?? null]));
    const versions = parseDriverVersions(await this.run(['--version']).catch(() => ''));
    this.known = rows.map((r) => ({
      index: r.index,
      uuid: r.uuid,
      model: r.model,
      memoryMiB: r.memoryMiB,
      pciBusId: r.pciBusId,
      migMode: r.migMode,
      nvlinkDomain: domains.get(r.index) ?? null,
      numaAffinity: numa.get(r.index) ?? null,
    }));
    return {
      gpus: this.known.map((g) => ({ ...g })),
      nvidia: { driverVersion: versions.driverVersion ?? rows[0]?.driverVersion ?? null, cudaVersion: versions.cudaVersion },
    };
  }

  /**
   * Metrics, per-process memory and health. A GPU that fell off the bus makes nvidia-smi print a
   * line instead of its record and exit non-zero: the other GPUs' records still count. A driver
   * that does not answer at all is one node-wide problem.
   */
  async sample(): Promise<GpuSampling> {
    const xids = this.xids?.poll() ?? [];
    const answer = await execNvidiaSmi(this.path, [`--query-gpu=${GPU_METRICS_FIELDS.join(',')}`, CSV_FORMAT], this.timeoutMs);
    const { records, lost } = splitLostGpus(answer.stdout);
    let metrics: GpuMetrics[];
    try {
      metrics = parseGpuMetrics(records);
    } catch (err) {
      metrics = [];
      if (answer.failure === null) answer.failure = err instanceof Error ? err.message : String(err);
    }
    if (metrics.length === 0 && lost.length === 0 && answer.failure !== null) {
      return { gpus: [], problems: [{ kind: 'smi-failed', index: null, uuid: null, message: answer.failure }] };
    }
    const apps = await this.computeApps().catch((): ComputeApp[] => []);
    const gpus = metrics.map((m): GpuSample => ({
      index: m.index,
      uuid: m.uuid,
      utilizationPct: m.utilizationGpuPct,
      memoryUsedMiB: m.memoryUsedMiB,
      memoryTotalMiB: m.memoryTotalMiB,
      temperatureC: m.temperatureC,
      powerDrawW: m.powerDrawW,
      eccUncorrected: m.eccUncorrectedVolatile,
      processes: apps.filter((a) => a.gpuUuid === m.uuid).slice(0, 256).map((a) => ({ pid: a.pid, usedMemoryMiB: a.usedMemoryMiB })),
    }));
    return { gpus, problems: gpuProblems({ known: this.known, samples: gpus, lost, xids }) };
  }

  private run(args: string[]): Promise<string> {
    return runNvidiaSmi(this.path, args, this.timeoutMs);
  }
}

/** Runs nvidia-smi and resolves with its stdout; rejects with one readable line on any failure. */
export async function runNvidiaSmi(path: string, args: string[], timeoutMs: number = NVIDIA_SMI_TIMEOUT_MS): Promise<string> {
  const answer = await execNvidiaSmi(path, args, timeoutMs);
  if (answer.failure !== null) throw new Error(answer.failure);
  return answer.stdout;
}

/** Runs nvidia-smi; `failure` is one readable line when it did not exit 0 (stdout is kept either way). */
export function execNvidiaSmi(path: string, args: string[], timeoutMs: number): Promise<{ stdout: string; failure: string | null }> {
  return new Promise((resolve) => {
    execFile(path, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, failure: null });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      const said = firstLine(stderr) || firstLine(stdout);
      const what =
        e.killed === true
          ? `timed out after ${timeoutMs} ms`
          : typeof e.code === 'number'
            ? `exit code ${e.code}`
            : (e.code ?? e.message);
      resolve({ stdout: stdout ?? '', failure: `nvidia-smi ${args.join(' ')} (${path}) failed: ${what}${said ? `: ${said}` : ''}` });
    });
  });
}

function firstLine(s: string): string {
  return (s.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim();
}

/**
 * The nvidia-smi executable: the first one on PATH, else a standard install location,
 * else null. Does not run it; a driver can be installed and still not answer.
 */
export function findNvidiaSmi(pathEnv: string | undefined = process.env.PATH, fallbacks: readonly string[] = ['/usr/bin/nvidia-smi']): string | null {
  const onPath = (pathEnv ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'nvidia-smi'));
  return [...onPath, ...fallbacks].find(isExecutableFile) ?? null;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
