import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * XID events from the kernel log. The NVIDIA driver logs every GPU error as
 *   NVRM: Xid (PCI:0000:3b:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.
 * behind whatever prefix the log source adds: /dev/kmsg ("4,1234,567890,-;"), dmesg
 * ("[ 1399.140323] "), journalctl/syslog ("2026-11-23T10:00:00+0000 host kernel: ").
 */

export interface XidEvent {
  /** PCI address as logged, e.g. "0000:3b:00". */
  pci: string;
  xid: number;
  /** The rest of the line after the code: pid, process name and the driver's words. */
  detail: string;
}

const XID = /NVRM: Xid \(PCI:([0-9a-f]{1,8}:[0-9a-f]{2}:[0-9a-f]{2})(?:\.[0-7])?\): (\d+)(?:,\s*(.*))?$/i;

export function parseXidLine(line: string): XidEvent | null {
  const m = XID.exec(line.trim());
  if (!m?.[1] || !m[2]) return null;
  return { pci: m[1], xid: Number(m[2]), detail: (m[3] ?? '').trim() };
}

export function parseXidEvents(text: string): XidEvent[] {
  return text.split(/\r\n|\r|\n/).flatMap((l) => parseXidLine(l) ?? []);
}

/** Where the watcher left off, saved so a restarted agent does not report old events again. */
const Cursor = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('kmsg'), bootId: z.string(), seq: z.number().int() }),
  z.object({ kind: z.literal('file'), offset: z.number().int().min(0) }),
]);
type Cursor = z.infer<typeof Cursor>;

/**
 * Reads XID events that are new since the last call. A character device (/dev/kmsg) is read
 * record by record without blocking; a regular file (a syslog file, or the simulated kernel log)
 * is read from the last offset. Unreadable sources yield nothing: XIDs are then just not seen,
 * which the agent logs once.
 */
export class KernelLogXidWatcher {
  private fd: number | null = null;
  private cursor: Cursor | null;
  private readonly isDevice: boolean;
  /** Why the source cannot be read, or null while it can. */
  unreadable: string | null = null;

  constructor(
    readonly path: string,
    private readonly cursorFile: string | null,
    private readonly bootId: string = readBootId(),
  ) {
    this.cursor = this.loadCursor();
    let isDevice = false;
    try {
      const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      isDevice = fstatSync(fd).isCharacterDevice();
      if (isDevice) this.fd = fd;
      else closeSync(fd);
    } catch (err) {
      this.unreadable = err instanceof Error ? err.message : String(err);
    }
    this.isDevice = isDevice;
  }

  poll(): XidEvent[] {
    const lines = this.isDevice ? this.readKmsg() : this.readFile();
    if (lines.length > 0) this.saveCursor();
    return lines.flatMap((l) => parseXidLine(l) ?? []);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private readKmsg(): string[] {
    if (this.fd === null) return [];
    const after = this.cursor?.kind === 'kmsg' && this.cursor.bootId === this.bootId ? this.cursor.seq : -1;
    const buf = Buffer.alloc(16 * 1024);
    const lines: string[] = [];
    let last = after;
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, buf, 0, buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') continue; // records were overwritten before we read them
        if (code !== 'EAGAIN') this.unreadable = (err as Error).message;
        break;
      }
      if (n === 0) break;
      const record = buf.toString('utf8', 0, n);
      const semi = record.indexOf(';');
      const seq = Number(record.slice(0, semi).split(',')[1]);
      if (!Number.isFinite(seq) || seq <= after) continue;
      last = Math.max(last, seq);
      lines.push(record.slice(semi + 1).split('\n')[0] ?? '');
    }
    if (last > after) this.cursor = { kind: 'kmsg', bootId: this.bootId, seq: last };
    return lines;
  }

  private readFile(): string[] {
    let text: Buffer;
    try {
      text = readFileSync(this.path);
      this.unreadable = null;
    } catch (err) {
      // The simulated kernel log may not exist yet; a real one that vanished is reported.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.unreadable = (err as Error).message;
      return [];
    }
    let offset = this.cursor?.kind === 'file' ? this.cursor.offset : 0;
    if (offset > text.length) offset = 0; // rotated or truncated
    const end = text.lastIndexOf(10) + 1; // only whole lines
    if (end <= offset) return [];
    this.cursor = { kind: 'file', offset: end };
    return text.toString('utf8', offset, end).split('\n');
  }

  private loadCursor(): Cursor | null {
    if (!this.cursorFile) return null;
    try {
      return Cursor.safeParse(JSON.parse(readFileSync(this.cursorFile, 'utf8'))).data ?? null;
    } catch {
      return null; // none yet, or unreadable: start from the beginning of the log
    }
  }

  private saveCursor(): void {
    if (this.cursorFile && this.cursor) writeFileSync(this.cursorFile, JSON.stringify(this.cursor));
  }
}

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}
