import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Reading /proc, /sys and /etc under a root dir ("/" on a node, a recorded tree in tests).
 * Missing files are normal (a VM without NUMA, a NIC without a speed): they read as null.
 */
export class SysRoot {
  constructor(readonly root: string = '/') {}

  path(rel: string): string {
    return join(this.root, rel);
  }

  async text(rel: string): Promise<string | null> {
    try {
      return await readFile(this.path(rel), 'utf8');
    } catch {
      return null;
    }
  }

  /** The file's first line without surrounding whitespace; null when absent, unreadable or empty. */
  async line(rel: string): Promise<string | null> {
    const t = await this.text(rel);
    const first = t?.split('\n')[0]?.trim();
    return first ? first : null;
  }

  async int(rel: string): Promise<number | null> {
    const l = await this.line(rel);
    return l !== null && /^-?\d+$/.test(l) ? Number(l) : null;
  }

  /** Entry names, sorted; empty when the dir is absent. */
  async list(rel: string): Promise<string[]> {
    try {
      return (await readdir(this.path(rel))).sort(naturalCompare);
    } catch {
      return [];
    }
  }
}

/** "nvme2n1" before "nvme10n1", "node2" before "node10". */
export const naturalCompare = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

