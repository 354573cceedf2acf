import type { SysRoot } from './sysfs';

/** Total memory and swap from /proc/meminfo, in MiB. */
export async function readMemory(sys: SysRoot): Promise<{ totalMiB: number; swapMiB: number }> {
  const text = (await sys.text('proc/meminfo')) ?? '';
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { totalMiB: Math.floor(kb('MemTotal') / 1024), swapMiB: Math.floor(kb('SwapTotal') / 1024) };
}
