import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from './read-fixture';

export interface FakeNvidiaSmi {
  dir: string;
  path: string;
  /** The argv of every call, one array per call. */
  calls(): string[][];
  remove(): void;
}

/**
 * A real executable named nvidia-smi in a temp dir that answers like the driver would,
 * from the recorded fixtures, and logs its argv. `body` replaces the default answer.
 */
export function writeFakeNvidiaSmi(body?: string): FakeNvidiaSmi {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-fake-smi-'));
  const path = join(dir, 'nvidia-smi');
  const log = join(dir, 'calls.log');
  const answers =
    body ??
    `case "$*" in
  "--query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits") cat '${fixturePath('h100x8-synthetic-query-gpu.csv')}' ;;
  "--query-gpu=index,uuid,name,memory.total,pci.bus_id,mig.mode.current,driver_version --format=csv,noheader,nounits") cat '${fixturePath('h100x8-synthetic-inventory.csv')}' ;;
  "--version") cat '${fixturePath('h100x8-synthetic-version.txt')}' ;;
  "--query-gpu=index,uuid,utilization.gpu,"*) cat '${fixturePath('h100x8-synthetic-metrics.csv')}' ;;
  "--query-compute-apps=gpu_uuid,pid,process_name,used_memory --format=csv,noheader,nounits") cat '${fixturePath('h100x8-synthetic-compute-apps.csv')}' ;;
  "topo -m") cat '${fixturePath('h100x8-synthetic-topo.txt')}' ;;
  *) echo "Invalid combination of input arguments: $*" >&2; exit 2 ;;
esac`;
  writeFileSync(path, `#!/bin/sh\n{ printf '%s\\037' "$@"; printf '\\n'; } >> '${log}'\n${answers}\n`);
  chmodSync(path, 0o755);
  return {
    dir,
    path,
    calls: () => {
      try {
        return readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => l.split('\x1f').slice(0, -1));
      } catch {
        return [];
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The message a real nvidia-smi prints (exit code 9) when the kernel driver is not loaded. */
export const DRIVER_DOWN = `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."; exit 9`;
