import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Where CDI specs live (the CDI specification's static and dynamic directories). */
export const CDI_DIRS = ['/etc/cdi', '/var/run/cdi'];

/** The kind NVIDIA's container toolkit gives GPUs in its CDI spec (`nvidia-ctk cdi generate`). */
export const NVIDIA_GPU_KIND = 'nvidia.com/gpu';

const unquote = (v: string) => v.trim().replace(/^(["'])(.*)\1$/, '$2');

/**
 * Device names of one CDI spec when it is of `kind`, from JSON or from YAML as `nvidia-ctk`
 * writes it (block style: a top-level `kind:`, and a top-level `devices:` list whose items
 * carry a `name:` key). Only those two keys are read, so this is not a general YAML parser:
 * anything it cannot read yields no devices, never a wrong one.
 */
export function cdiDeviceNames(text: string, kind: string): string[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      const spec = JSON.parse(trimmed) as { kind?: unknown; devices?: { name?: unknown }[] };
      if (spec.kind !== kind || !Array.isArray(spec.devices)) return [];
      return spec.devices.map((d) => d.name).filter((n): n is string => typeof n === 'string');
    } catch {
      return [];
    }
  }
  let specKind: string | null = null;
  const names: string[] = [];
  let inDevices = false;
  /** Column of the `-` that starts each item of `devices:`; its keys sit two columns further. */
  let dash: number | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const top = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
    if (top) {
      inDevices = top[1] === 'devices';
      if (top[1] === 'kind') specKind = unquote(top[2] ?? '');
      continue;
    }
    if (!inDevices) continue;
    const m = /^(\s*)(-\s+)?([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, indent = '', item, key, value = ''] = m;
    if (item && dash === null) dash = indent.length;
    const keyColumn = item ? indent.length + item.length : indent.length;
    if (dash !== null && keyColumn === dash + 2 && key === 'name') names.push(unquote(value));
  }
  return specKind === kind ? names : [];
}

/** Every device name of `kind` in the spec files (*.json, *.yaml, *.yml) of `dirs`; missing directories are skipped. */
export async function readCdiDevices(dirs: readonly string[], kind: string): Promise<string[]> {
  const names: string[] = [];
  for (const dir of dirs) {
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const f of files.filter((n) => /\.(json|ya?ml)$/.test(n)).sort()) {
      const text = await readFile(path.join(dir, f), 'utf8').catch(() => '');
      names.push(...cdiDeviceNames(text, kind));
    }
  }
  return [...new Set(names)];
}

/**
 * The `--device` values that give a container the GPUs allocated to a job, by CDI name: the
 * GPU's UUID where the spec names devices by UUID, else its index (nvidia-ctk's default
 * naming). A GPU the spec does not name is an error for the admin: the node needs
 * `nvidia-ctk cdi generate` again (after a driver update or a GPU swap).
 */
export function cdiGpuDevices(gpuUuids: readonly string[], cdiNames: readonly string[], gpus: readonly { uuid: string; index: number }[]): string[] {
  return gpuUuids.map((uuid) => {
    if (cdiNames.includes(uuid)) return `${NVIDIA_GPU_KIND}=${uuid}`;
    const index = gpus.find((g) => g.uuid === uuid)?.index;
    if (index !== undefined && cdiNames.includes(String(index))) return `${NVIDIA_GPU_KIND}=${index}`;
    throw new Error(
      cdiNames.length === 0
        ? `no CDI spec for NVIDIA GPUs in ${CDI_DIRS.join(' or ')}: the node admin must run "nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml"`
        : `the node's CDI spec names no device for GPU ${uuid}${index !== undefined ? ` (index ${index})` : ''}: the node admin must run "nvidia-ctk cdi generate" again`,
    );
  });
}
