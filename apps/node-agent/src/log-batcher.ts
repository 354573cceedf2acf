/** Collects output and hands it on in chunks: at most every `intervalMs`, or at `maxBytes`. */
export class LogBatcher {
  private parts: string[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly emit: (data: string) => void,
    private readonly intervalMs = 200,
    private readonly maxBytes = 64 * 1024,
  ) {}

  push(chunk: string): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.maxBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.size === 0) return;
    const data = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.emit(data);
  }
}
