import { type GpuReport, type NodeHardware, type NodeInventory, SchedulerMessage } from '@sluice/contracts';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { AgentAuth } from './credentials';
import type { Executor } from './executor';
import type { Outbox } from './outbox';

export interface LinkDeps {
  url: string;
  auth: AgentAuth;
  log: Logger;
  outbox: Outbox;
  executor: Executor;
  inventory: () => Promise<NodeInventory>;
  /** Last active time per session (ISO), sent with each heartbeat. */
  activity?: () => Record<string, string>;
  /** Hardware inventory for the hello; undefined = none to send. */
  hardware?: () => Promise<NodeHardware | undefined>;
  /** GPU metrics and health for each heartbeat; undefined = none this time. */
  gpuReport?: () => Promise<GpuReport | undefined>;
}

/** Reconnect delay: exponential back-off with jitter, capped. */
export const backoffMs = (attempt: number, random: number): number => Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)) * (0.5 + random / 2);

/**
 * The agent's connection to the scheduler: dial, hello (inventory + what runs here),
 * wait for the welcome, then heartbeats; on loss, dial again with back-off.
 */
export class SchedulerLink {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly deps: LinkDeps) {}

  start(): void {
    void this.dial();
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.ws?.close(1001, 'agent stopping');
  }

  private async dial(): Promise<void> {
    const { log, outbox, executor } = this.deps;
    if (this.closed) return;
    const inventory = await this.deps.inventory();
    const hardware = await this.deps.hardware?.();
    const ws = new WebSocket(this.deps.url, { headers: this.deps.auth, handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      ws.send(outbox.encode({ type: 'hello', inventory, running: executor.running(), finished: executor.finished(), hardware }));
    });
    ws.on('message', (raw) => {
      let json: unknown;
      try {
        json = JSON.parse(String(raw));
      } catch {
        json = undefined;
      }
      const parsed = SchedulerMessage.safeParse(json);
      if (!parsed.success) {
        log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'invalid message from scheduler; ignored');
        return;
      }
      const msg = parsed.data;
      switch (msg.type) {
        case 'welcome':
          this.attempt = 0;
          log.info({ node: msg.nodeName }, 'joined the scheduler');
          outbox.connect(
            (text) => ws.send(text),
            () => ws.bufferedAmount,
          );
          executor.announce();
          if (this.heartbeat) clearInterval(this.heartbeat);
          this.heartbeat = setInterval(() => void this.beat(), msg.heartbeatSec * 1000);
          return;
        case 'launch':
          void executor.launch(msg.spec);
          return;
        case 'stop':
          executor.stop(msg.jobId, msg.graceSec, msg.discard ? 'discard' : 'asked');
          return;
        case 'exits-recorded':
          executor.acknowledge(msg.jobIds);
          return;
      }
    });
    ws.on('close', (code, reason) => {
      outbox.disconnect();
      if (this.heartbeat) clearInterval(this.heartbeat);
      if (this.closed) return;
      const delay = backoffMs(this.attempt++, Math.random());
      log.warn({ code, reason: String(reason), retryInMs: Math.round(delay) }, 'scheduler link down');
      this.retry = setTimeout(() => void this.dial(), delay);
    });
    ws.on('error', (err) => log.debug({ err: err.message }, 'scheduler link error'));
  }

  private async beat(): Promise<void> {
    const gpuMetrics = await this.deps.gpuReport?.();
    const { executor } = this.deps;
    this.deps.outbox.send({ type: 'heartbeat', running: executor.running(), finished: executor.finished(), gpuMetrics, activity: this.deps.activity?.() ?? {} });
  }
}
