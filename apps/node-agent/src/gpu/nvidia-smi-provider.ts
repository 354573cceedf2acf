import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { GpuInfo } from '@sluice/contracts';
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
import type { GpuInventoryProvider } from './types';

export const NVIDIA_SMI_TIMEOUT_MS = 10_000;
const CSV_FORMAT = '--format=csv,noheader,nounits';

/** The real inventory: runs nvidia-smi (no shell) and parses its answer. */
export class NvidiaSmiProvider implements GpuInventoryProvider {
  readonly source = 'nvidia-smi' as const;

  constructor(
    readonly path: string,
    private readonly timeoutMs: number = NVIDIA_SMI_TIMEOUT_MS,
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

  private run(args: string[]): Promise<string> {
    return runNvidiaSmi(this.path, args, this.timeoutMs);
  }
}

/** Runs nvidia-smi and resolves with its stdout; rejects with one readable line on any failure. */
export function runNvidiaSmi(path: string, args: string[], timeoutMs: number = NVIDIA_SMI_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      const said = firstLine(stderr) || firstLine(stdout);
      const what =
        e.killed === true
          ? `timed out after ${timeoutMs} ms`
          : typeof e.code === 'number'
            ? `exit code ${e.code}`
            : (e.code ?? e.message);
      reject(new Error(`nvidia-smi ${args.join(' ')} (${path}) failed: ${what}${said ? `: ${said}` : ''}`));
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
