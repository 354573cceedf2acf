import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { AgentMessage, type JobExit, PROTOCOL_VERSION, type SchedulerMessageBody } from '@sluice/contracts';
import type { Db } from '@sluice/db';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import type { Clock } from './clock';
import { recordGpuReport } from './gpu-health';
import { recordHardware } from './hardware';
import { recordActivity } from './idle';
import { appendLog, onSessionReady, onStarted, recordExits } from './job-lifecycle';
import { nodeCredentialValid } from './join';
import { markNodeDown, reconcileRunning, registerNode, touchNode } from './nodes';
import type { WorkerRanks } from './ranks';

export interface GatewayDeps {
  db: Db;
  log: Logger;
  clock: Clock;
  dataDir: string;
  agentSecret: string;
  heartbeatSec: number;
  /** Something changed that may let a job start: run a cycle soon. */
  poke: () => void;
  /** A node (re)connected and asks for jobs placed on it that it does not run. */
  relaunch: (node: string, jobIds: number[]) => Promise<void>;
  /** The parts of multi-node jobs beyond their first node. */
  ranks: WorkerRanks;
}

/** One connected agent. Messages from it are handled strictly in order. */
class AgentLink {
  nodeName: string | null = null;
  /** The node a per-node credential was issued to; null when the shared secret was used. */
  authNode: string | null = null;
  private seq = 0;
  private chain: Promise<void> = Promise.resolve();
  constructor(readonly ws: WebSocket) {}
  send(body: SchedulerMessageBody): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ v: PROTOCOL_VERSION, seq: this.seq++, ...body }));
  }
  enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(work);
  }
}

const sameSecret = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

const RETRY_DELAYS_MS = [100, 500, 2000];

/** Runs `work`, again after each delay while it fails (state changes are idempotent). */
export async function withRetries<T>(work: () => Promise<T>, onRetry: (err: unknown, attempt: number) => void, delaysMs: readonly number[] = RETRY_DELAYS_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const delay = delaysMs[attempt];
      if (delay === undefined) throw err;
      onRetry(err, attempt + 1);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The agents' WebSocket endpoint (/agent): authenticates, parses, dispatches. */
export class AgentGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
  private readonly links = new Map<string, AgentLink>();

  constructor(private readonly deps: GatewayDeps) {}

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.authenticate(req).then((auth) => {
        if (auth === false) {
          socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
          return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, auth));
      });
    });
  }

  /**
   * Agents authenticate with the node credential they got for a join token (with their node
   * name in X-Sluice-Node), or, on the appliance's own machine, with the shared agent secret.
   * Returns the node name a credential binds the connection to, null for the secret, false if refused.
   */
  private async authenticate(req: IncomingMessage): Promise<string | null | false> {
    if (req.url !== '/agent') return false;
    const given = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const node = req.headers['x-sluice-node'];
    if (typeof node === 'string' && node !== '') return (await nodeCredentialValid(this.deps.db, node, given).catch(() => false)) ? node : false;
    return sameSecret(given, this.deps.agentSecret) ? null : false;
  }

  send(node: string, body: SchedulerMessageBody): boolean {
    const link = this.links.get(node);
    if (!link) return false;
    link.send(body);
    return true;
  }

  isConnected(node: string): boolean {
    return this.links.has(node);
  }

  close(): void {
    for (const link of this.links.values()) link.ws.close(1001, 'scheduler stopping');
    this.wss.close();
  }

  private accept(ws: WebSocket, authNode: string | null): void {
    const link = new AgentLink(ws);
    link.authNode = authNode;
    ws.on('message', (raw) => link.enqueue(() => this.handle(link, String(raw))));
    ws.on('close', () => link.enqueue(() => this.disconnected(link)));
    ws.on('error', (err) => this.deps.log.warn({ err }, 'agent connection error'));
  }

  private async disconnected(link: AgentLink): Promise<void> {
    const name = link.nodeName;
    if (!name || this.links.get(name) !== link) return;
    this.links.delete(name);
    await markNodeDown(this.deps.db, name);
    this.deps.log.warn({ node: name }, 'agent disconnected');
  }

  /**
   * Records ends a node reports. The end of a job's run on its first node ends the job, and its
   * other nodes stop their parts; the end of a part on a further node is that part's (a Ray
   * worker: restarted, ranks.ts). Returns the ends that belong to no job placed on the node.
   */
  private async recordEnds(node: string, exits: readonly JobExit[], now: Date): Promise<string[]> {
    const { ranks, db } = this.deps;
    const first: JobExit[] = [];
    for (const e of exits) {
      if (/^\d{1,15}$/.test(e.jobId) && (await ranks.placement(Number(e.jobId), node)) === 'other') await ranks.report(node, { type: 'exited', ...e });
      else first.push(e);
    }
    const { stale } = await recordExits(db, node, first, now);
    for (const e of first) if (!stale.includes(e.jobId)) await ranks.jobEnded(Number(e.jobId));
    return stale;
  }

  private async handle(link: AgentLink, raw: string): Promise<void> {
    const { db, log, clock } = this.deps;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const parsed = AgentMessage.safeParse(json);
    if (!parsed.success) {
      log.warn({ node: link.nodeName, issues: parsed.error.issues.slice(0, 3) }, 'invalid agent message; closing');
      link.ws.close(1008, 'invalid message or protocol version');
      return;
    }
    const msg = parsed.data;
    const now = new Date(clock.now());
    try {
      if (msg.type === 'hello') {
        const name = msg.inventory.name;
        if (link.authNode !== null && link.authNode !== name) {
          log.warn({ node: name, credentialOf: link.authNode }, 'agent claims another node name than its credential; closing');
          link.ws.close(1008, 'node name does not match the credential');
          return;
        }
        const previous = this.links.get(name);
        if (previous && previous !== link) previous.ws.close(4001, 'replaced by a newer connection');
        link.nodeName = name;
        this.links.set(name, link);
        // First what ended while nobody listened (their real exit codes), then what runs. Both are
        // idempotent; the agent waits for its welcome, so they are tried again if the database is busy.
        const { stale, rec } = await withRetries(
          async () => ({ stale: await this.recordEnds(name, msg.finished, now), rec: await registerNode(db, msg.inventory, msg.running, now) }),
          (err, attempt) => log.warn({ err, node: name, type: msg.type, attempt }, 'agent message failed; retrying'),
        );
        if (msg.hardware) await recordHardware(db, name, msg.hardware, now);
        link.send({ type: 'welcome', nodeName: name, heartbeatSec: this.deps.heartbeatSec });
        for (const jobId of rec.stop) link.send({ type: 'stop', jobId, graceSec: 0, discard: true });
        if (msg.finished.length > 0) link.send({ type: 'exits-recorded', jobIds: msg.finished.map((e) => e.jobId) });
        if (rec.relaunch.length > 0) await this.deps.relaunch(name, rec.relaunch);
        log.info(
          { node: name, gpus: msg.inventory.gpus.length, source: msg.inventory.gpuSource, running: msg.running.length, finished: msg.finished.length, stale, discard: rec.stop, relaunch: rec.relaunch },
          'node joined',
        );
        this.deps.poke();
        return;
      }
      if (!link.nodeName) {
        link.ws.close(1008, 'hello first');
        return;
      }
      if (msg.type === 'heartbeat') {
        await touchNode(db, link.nodeName, now);
        const finished = msg.finished ?? [];
        if (finished.length > 0) {
          await this.recordEnds(link.nodeName, finished, now);
          link.send({ type: 'exits-recorded', jobIds: finished.map((e) => e.jobId) });
        }
        const { gone, unexpected } = await reconcileRunning(db, link.nodeName, msg.running, now);
        if (gone.length > 0) log.warn({ node: link.nodeName, jobs: gone }, 'jobs the node no longer runs nor reports ended: their end is unknown');
        if (unexpected.length > 0) log.warn({ node: link.nodeName, jobs: unexpected }, 'the node runs jobs not placed there: discarding them');
        for (const jobId of unexpected) link.send({ type: 'stop', jobId, graceSec: 0, discard: true });
        if (gone.length > 0 || finished.length > 0) this.deps.poke();
        await this.deps.ranks.checkNode(link.nodeName, msg.running, now.getTime());
        if (msg.activity) await recordActivity(db, link.nodeName, msg.activity);
        const drained = msg.gpuMetrics ? await recordGpuReport(db, link.nodeName, msg.gpuMetrics, now) : null;
        if (drained) log.warn({ node: link.nodeName, reason: drained }, 'node drained: GPU unhealthy');
        return;
      }
      if (msg.type === 'hardware') {
        const changes = await recordHardware(db, link.nodeName, msg.hardware, now);
        log.info({ node: link.nodeName, changes: changes.length }, 'node hardware changed');
        return;
      }
      if (msg.type === 'exited') {
        // Recorded (or found stale) and then acknowledged, so the agent stops reporting it.
        const node = link.nodeName;
        const stale = await withRetries(
          () => this.recordEnds(node, [msg], now),
          (err, attempt) => log.warn({ err, node, type: msg.type, attempt }, 'agent message failed; retrying'),
        );
        link.send({ type: 'exits-recorded', jobIds: [msg.jobId] });
        if (stale.length > 0) log.info({ node, jobId: msg.jobId }, 'end of a run not placed on this node; nothing to record');
        else log.info({ node, jobId: msg.jobId, exitCode: msg.exitCode, cause: msg.cause }, 'job exited');
        this.deps.poke();
        return;
      }
      // An agent speaks only for jobs placed on its own node; the job's first node speaks for the job.
      const placement = /^\d{1,15}$/.test(msg.jobId) ? await this.deps.ranks.placement(Number(msg.jobId), link.nodeName) : null;
      if (placement === null) {
        log.warn({ node: link.nodeName, jobId: msg.jobId, type: msg.type }, 'agent reported a job not placed on its node; ignored');
        return;
      }
      const node = link.nodeName;
      // A job's state change must not be lost to a transient failure (e.g. the database busy under load).
      await withRetries(async () => {
        if (msg.type === 'started' && placement === 'other') return this.deps.ranks.report(node, msg);
        switch (msg.type) {
          case 'started':
            await onStarted(db, Number(msg.jobId), msg.pid, now);
            return;
          case 'session-ready':
            if (placement === 'other') return;
            await onSessionReady(db, Number(msg.jobId), msg.host, msg.port, msg.address);
            await this.deps.ranks.headReady(Number(msg.jobId));
            return;
          case 'log':
            await appendLog(this.deps.dataDir, msg.jobId, msg.data);
            return;
        }
      }, (err, attempt) => log.warn({ err, node: link.nodeName, type: msg.type, attempt }, 'agent message failed; retrying'));
    } catch (err) {
      log.error({ err, node: link.nodeName, type: msg.type }, 'failed to handle agent message');
      // An agent without a welcome would wait for one for ever: it dials again (with back-off) instead.
      if (msg.type === 'hello') link.ws.close(1011, 'hello failed');
    }
  }
}
