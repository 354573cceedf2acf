import { type AgentMessageBody, PROTOCOL_VERSION } from '@sluice/contracts';

/**
 * Messages to the scheduler. While the link is down they wait here (bounded; oldest log
 * chunks are dropped first, state changes never), and go out in order once it is back.
 */
export class Outbox {
  private seq = 0;
  private queue: AgentMessageBody[] = [];
  private sink: ((text: string) => void) | null = null;
  private backlog: () => number = () => 0;

  constructor(private readonly maxQueued = 10_000) {}

  send(body: AgentMessageBody): void {
    if (this.sink) {
      this.sink(this.encode(body));
      return;
    }
    if (body.type === 'heartbeat') return;
    this.queue.push(body);
    if (this.queue.length > this.maxQueued) {
      const i = this.queue.findIndex((m) => m.type === 'log');
      this.queue.splice(i >= 0 ? i : 0, 1);
    }
  }

  /** The link is up (after the welcome): flush what waited, then send directly. `backlog`: bytes written but not yet sent. */
  connect(sink: (text: string) => void, backlog: () => number = () => 0): void {
    const waiting = this.queue;
    this.queue = [];
    for (const m of waiting) sink(this.encode(m));
    this.sink = sink;
    this.backlog = backlog;
  }

  /** Whether a message sent now goes out at once, behind less than `maxBacklog` bytes (job output waits in its file otherwise). */
  flowing(maxBacklog = 1024 * 1024): boolean {
    return this.sink !== null && this.backlog() < maxBacklog;
  }

  disconnect(): void {
    this.sink = null;
  }

  /** Sent outside the queue: the hello must be first on a new link. */
  encode(body: AgentMessageBody): string {
    return JSON.stringify({ v: PROTOCOL_VERSION, seq: this.seq++, ...body });
  }

  get queued(): number {
    return this.queue.length;
  }
}
