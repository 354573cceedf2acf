import { closeSync, existsSync, type FSWatcher, fstatSync, openSync, readFileSync, readSync, watch, writeFileSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const CHUNK = 64 * 1024;
/** At most this much is sent per tick and job, so one chatty job cannot hold up the agent. */
const BUDGET = 4 * 1024 * 1024;
const OFFSET_WIDTH = 20;

/** Length of `buf` without an incomplete UTF-8 character at its end (the rest comes with the next read). */
export function completeUtf8(buf: Buffer): number {
  for (let i = buf.length - 1; i >= 0 && i >= buf.length - 4; i--) {
    const b = buf[i] as number;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return buf.length - i >= need ? buf.length : i;
  }
  return buf.length;
}

export interface TailSink {
  send(data: string): void;
  /** Whether a chunk sent now would reach the scheduler (the link is up and not backed up). */
  canSend(): boolean;
}

/**
 * Streams a job's output file to the scheduler. The workload writes the file itself, so nothing it
 * prints is lost while the agent is down or the link is; the agent sends what is new whenever the
 * link can take it, and keeps how far it got in a file beside it, so a restarted agent goes on from
 * there (a chunk sent just before a crash may come again; none is skipped). Lines can be watched
 * too (a session server's "listening" line), from the start of the file, whether the link is up or not.
 */
export class LogTail {
  private readonly fd: number;
  private readonly sentFd: number;
  private sent: number;
  private scanned = 0;
  private lines: ((line: string) => void) | null = null;
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private timer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private tickQueued = false;
  /** Nothing more will be written (the workload ended): send the very last bytes too. */
  private complete = false;
  private closed = false;

  constructor(
    private readonly file: string,
    sentFile: string,
    private readonly sink: TailSink,
  ) {
    this.fd = openSync(file, 'r');
    if (!existsSync(sentFile)) writeFileSync(sentFile, '0'.padStart(OFFSET_WIDTH, '0'), { mode: 0o600 });
    this.sent = Number(readFileSync(sentFile, 'utf8').trim()) || 0;
    // Overwritten in place, never truncated: a crash mid-write cannot leave it empty.
    this.sentFd = openSync(sentFile, 'r+');
  }

  /**
   * Reads what the workload writes as it is written (inotify): a session server's "listening"
   * line is seen at once, not at the next tick. The interval backs that up (a watch can be
   * refused, e.g. when the node is out of inotify watches) and retries a link that was busy.
   */
  start(intervalMs = 100): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.safeTick(), intervalMs);
    this.timer.unref();
    try {
      this.watcher = watch(this.file, { persistent: false }, () => this.tickSoon());
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // the interval alone
    }
  }

  /** One tick for the writes that came together (a chatty job changes the file many times a tick). */
  private tickSoon(): void {
    if (this.tickQueued) return;
    this.tickQueued = true;
    setImmediate(() => {
      this.tickQueued = false;
      this.safeTick();
    });
  }

  private safeTick(): void {
    try {
      this.tick();
    } catch {
      // e.g. the disk is full: the output stays in the file, the next tick tries again
    }
  }

  /** Calls `fn` with every complete line of output, from the first; null stops watching. */
  watchLines(fn: ((line: string) => void) | null): void {
    this.lines = fn;
  }

  /** The workload ended: nothing is written any more. */
  finish(): void {
    this.complete = true;
    this.tick();
  }

  /** Everything written has been sent (or there is nothing more to send: closed). */
  get drained(): boolean {
    return this.closed || this.sent >= fstatSync(this.fd).size;
  }

  tick(): void {
    if (this.closed) return;
    const size = fstatSync(this.fd).size;
    if (this.lines && this.scanned < size) this.scan(size);
    this.pump(size);
  }

  /** Stops reading and sending (again: nothing). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    closeSync(this.fd);
    closeSync(this.sentFd);
  }

  private scan(size: number): void {
    const buf = Buffer.alloc(Math.min(size - this.scanned, BUDGET));
    const n = readSync(this.fd, buf, 0, buf.length, this.scanned);
    this.scanned += n;
    const parts = (this.partial + this.decoder.write(buf.subarray(0, n))).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.lines?.(line);
  }

  private pump(size: number): void {
    let budget = BUDGET;
    while (this.sent < size && budget > 0 && this.sink.canSend()) {
      const buf = Buffer.alloc(Math.min(size - this.sent, CHUNK));
      const n = readSync(this.fd, buf, 0, buf.length, this.sent);
      const end = this.complete && this.sent + n >= size ? n : completeUtf8(buf.subarray(0, n));
      if (end === 0) return;
      this.sink.send(buf.subarray(0, end).toString('utf8'));
      this.sent += end;
      budget -= end;
      writeSync(this.sentFd, String(this.sent).padStart(OFFSET_WIDTH, '0'), 0);
    }
  }
}
