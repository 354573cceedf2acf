import type { SchedulerMessageBody } from '@sluice/contracts';
import { type Db, rawReader } from '@sluice/db';
import { type ClusterSnapshot, DEFAULT_SCHEDULER_CONFIG, type EpochMs, estimateStarts, runCycle, type SchedulerConfig } from '@sluice/scheduler-core';
import type { Logger } from 'pino';
import { applyPlan, jobParts, type Launch, launchSpecFor } from './applier';
import type { Clock } from './clock';
import { enforceIdlePolicy } from './idle';
import { chargeUsage } from './ledger';
import { failSilentNodes } from './nodes';
import { withQos } from './policy';
import { QueuePublisher } from './publish';
import type { WorkerRanks } from './ranks';
import { readSnapshot } from './snapshot';

/** Sends to a node's agent; false when that node is not connected. */
export interface AgentSender {
  send(node: string, body: SchedulerMessageBody): boolean;
}

export interface DaemonDeps {
  db: Db;
  log: Logger;
  clock: Clock;
  gateway: AgentSender;
  cycleMs: number;
  nodeTimeoutMs: number;
  stopGraceSec: number;
  /** Scheduling policy (QOS classes come from the database); default: the core's defaults. */
  policy?: SchedulerConfig;
  /** How long before an idle session is stopped its user is warned (default 10 minutes). */
  idleWarnMs?: number;
  /** The parts of multi-node jobs beyond their first node (restarts are due in cycles). */
  ranks?: WorkerRanks;
}

/**
 * A cycle runs this long after the previous one at the soonest: what happens together (jobs
 * launched together ending within milliseconds of each other, a burst of submissions) is handled
 * by one cycle, instead of each event starting a cycle that reads the whole queue again. Agents'
 * messages are handled in between (a cycle does not yield). A poke to an idle scheduler (a
 * notebook asked for on a quiet cluster) runs a cycle at once.
 */
const GATHER_MS = 25;

/**
 * Changes made in the portal (a submission, a cancel, an admin's edit) are gathered longer: a burst
 * of submissions (a script's loop, a job array) is read by a few cycles instead of one every
 * GATHER_MS, which leaves the machine to the portal taking them. GPUs an agent reports free are
 * still refilled GATHER_MS after the last cycle, and on an idle scheduler either runs at once.
 */
export const PORTAL_GATHER_MS = 100;

/**
 * Time limits, idle sessions, silent nodes and usage are checked at most this often: they are
 * about minutes, while a busy queue (jobs ending many times a second) runs a cycle every few
 * milliseconds, each of which would read them again.
 */
const HOUSEKEEPING_MS = 1000;

/** Start-time estimates are refreshed every cycle while they are cheap, less often when they are not. */
const estimateIntervalMs = (lastCostMs: number, cycleMs: number) => (lastCostMs < 50 ? 0 : Math.max(cycleMs, 10_000, lastCostMs * 20));

/** Seeds the core's RNG from the cycle number, so a logged snapshot replays to the same plan. */
export const rngForCycle = (cycle: number) => {
  let s = (cycle * 2654435761) >>> 0 || 1;
  return {
    next() {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      return s / 2 ** 32;
    },
  };
};

/**
 * The scheduling loop: every cycleMs, or sooner when poked, run one cycle.
 * Cycles never overlap; a poke during a cycle runs another right after it.
 */
export class SchedulerDaemon {
  private cycle = 0;
  private running = false;
  /** A poke came during the cycle: the next one runs this long after it (null: no poke). */
  private againAfterMs: number | null = null;
  private cancelTimer: (() => void) | null = null;
  private stopped = false;
  /** When a stop was last sent per job, to resend it now and then but not every cycle. */
  private readonly stopSentAt = new Map<string, number>();
  private readonly publisher: QueuePublisher;
  private estimates: Record<string, EpochMs | null> = {};
  private estimatedAt = Number.NEGATIVE_INFINITY;
  private estimateCostMs = 0;
  private housekeptAt = Number.NEGATIVE_INFINITY;
  /** The latest cycle's explanations, not written yet (an older cycle's are dropped unwritten). */
  private unpublished: (() => Promise<void>) | null = null;
  private publishing: Promise<void> | null = null;
  /** When the last cycle ended. */
  private endedAt = Number.NEGATIVE_INFINITY;
  /** When the scheduled cycle is due. */
  private dueAt = 0;

  constructor(private readonly deps: DaemonDeps) {
    this.publisher = new QueuePublisher(deps.db);
  }

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
  }

  /** Something changed: run a cycle `gatherMs` after the last one ended (at once when that has passed). */
  poke = (gatherMs: number = GATHER_MS): void => {
    if (this.running) this.againAfterMs = Math.min(this.againAfterMs ?? gatherMs, gatherMs);
    else this.schedule(Math.max(0, this.endedAt + gatherMs - this.deps.clock.now()));
  };

  /** Runs a cycle in `ms`, unless one is due sooner. */
  private schedule(ms: number): void {
    if (this.stopped) return;
    const at = this.deps.clock.now() + ms;
    if (this.cancelTimer && this.dueAt <= at) return;
    this.cancelTimer?.();
    this.dueAt = at;
    this.cancelTimer = this.deps.clock.setTimer(ms, () => {
      this.cancelTimer = null;
      void this.tick();
    });
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    this.againAfterMs = null;
    try {
      await this.runOnce();
    } catch (err) {
      this.deps.log.error({ err, cycle: this.cycle }, 'scheduler cycle failed');
    } finally {
      this.running = false;
      this.endedAt = this.deps.clock.now();
      this.schedule(Math.max(GATHER_MS, Math.min(this.againAfterMs ?? Number.POSITIVE_INFINITY, this.nextDelayMs)));
    }
  }

  /** When the last cycle's plan can change by time alone (core's wakeAt), sooner than the cadence. */
  private nextDelayMs = 0;

  /**
   * One cycle: time limits, stops, silent nodes, usage (at most once a second), then plan (core), apply (starts,
   * preemptions, reasons), launch, and publish the queue's explanations and estimates.
   */
  async runOnce(): Promise<void> {
    const { db, clock, gateway } = this.deps;
    const cycle = ++this.cycle;
    const log = this.deps.log.child({ cycle });
    const now = clock.now();
    const t0 = performance.now();
    const base = this.deps.policy ?? DEFAULT_SCHEDULER_CONFIG;
    if (now - this.housekeptAt >= HOUSEKEEPING_MS) {
      this.housekeptAt = now;
      await this.enforceTimeLimits(now);
      const idle = await enforceIdlePolicy(db, now, this.deps.idleWarnMs ?? 600_000);
      if (idle.length > 0) log.info({ idle }, 'idle policy');
      const failed = await failSilentNodes(db, new Date(now), this.deps.nodeTimeoutMs);
      if (failed.length > 0) log.warn({ jobs: failed }, 'jobs lost with their node');
      await chargeUsage(db, base, now);
    }
    const t1 = performance.now();
    const { snapshot, extras, qos } = readSnapshot(rawReader(db), now);
    const config = withQos(base, qos);
    const t2 = performance.now();
    const result = runCycle(snapshot, config, now, rngForCycle(cycle));
    const t3 = performance.now();
    const launches = await applyPlan(db, result, extras.currentReasons, new Date(now));
    const t4 = performance.now();
    for (const l of launches) this.launch(l, gateway);
    await this.deps.ranks?.tick(now);
    this.sendStops(now, snapshot.running, result.plan.preempt.map((p) => p.jobId));
    if (result.plan.preempt.length > 0) log.info({ preempt: result.plan.preempt }, 'preempting');
    if (now - this.estimatedAt >= estimateIntervalMs(this.estimateCostMs, this.deps.cycleMs) && snapshot.pending.length > 0) {
      // From the same snapshot: the estimate's replay starts this cycle's starts at `now` too.
      const e0 = performance.now();
      this.estimates = estimateStarts(snapshot, config, now);
      this.estimateCostMs = performance.now() - e0;
      this.estimatedAt = now;
    }
    const estimates = this.estimates;
    this.publishLater(() => this.publisher.publish(result, estimates, config, now), log);
    const t5 = performance.now();
    this.nextDelayMs = Math.min(this.deps.cycleMs, result.wakeAt == null ? Number.POSITIVE_INFINITY : Math.max(0, result.wakeAt - now));
    if (launches.length > 0 || snapshot.pending.length > 0)
      log.debug(
        {
          pending: snapshot.pending.length,
          started: launches.length,
          ms: { housekeeping: t1 - t0, snapshot: t2 - t1, core: t3 - t2, apply: t4 - t3, launch: t5 - t4, estimate: this.estimateCostMs },
        },
        'cycle',
      );
  }

  /**
   * Writes what the portal shows about the queue after the cycle, not inside it: the next cycle
   * (jobs that ended want their GPUs refilled) does not wait for a long queue's rows. While one
   * write runs, only the newest cycle's explanations wait for the next.
   */
  private publishLater(publish: () => Promise<void>, log: Logger): void {
    this.unpublished = publish;
    this.publishing ??= (async () => {
      for (let next = this.unpublished; next; next = this.unpublished) {
        this.unpublished = null;
        await next().catch((err: unknown) => log.error({ err }, 'publishing the queue failed'));
      }
      this.publishing = null;
    })();
  }

  /** Resolves once the explanations of every cycle run so far are written (or dropped for newer ones). */
  async published(): Promise<void> {
    for (let p = this.publishing; p !== null; p = this.publishing) await p;
  }

  /** Sends launches again for jobs placed on a node that reconnected without them. */
  async relaunch(node: string, jobIds: number[]): Promise<void> {
    const jobs = await this.deps.db.job.findMany({
      where: { id: { in: jobIds }, state: 'STARTING' },
      include: { user: true, allocations: { where: { releasedAt: null }, orderBy: { id: 'asc' } } },
    });
    for (const j of jobs) this.launch({ node, spec: launchSpecFor(j, jobParts(j.nodeName, j.allocations), 0) }, this.deps.gateway);
  }

  private launch(l: Launch, gateway: AgentSender): void {
    if (!gateway.send(l.node, { type: 'launch', spec: l.spec }))
      this.deps.log.warn({ node: l.node, jobId: l.spec.jobId }, 'node not connected; launch resent when it reconnects');
  }

  private async enforceTimeLimits(now: number): Promise<void> {
    const running = await this.deps.db.job.findMany({
      where: { state: 'RUNNING', stopRequested: null, startedAt: { not: null } },
      select: { id: true, startedAt: true, timeLimitMinutes: true },
    });
    const over = running.filter((j) => (j.startedAt?.getTime() ?? now) + j.timeLimitMinutes * 60_000 <= now).map((j) => j.id);
    if (over.length > 0) await this.deps.db.job.updateMany({ where: { id: { in: over }, stopRequested: null }, data: { stopRequested: 'TimeLimit' } });
  }

  /**
   * Sends a stop to every node of each job asked to stop (the snapshot's, and those this cycle
   * preempted), again every 15 s until its nodes confirm the end.
   */
  private sendStops(now: number, running: ClusterSnapshot['running'], preempted: readonly string[]): void {
    const live = new Set<string>();
    const again = new Set(preempted);
    for (const j of running) {
      if (!j.stopping && !again.has(j.id)) continue;
      live.add(j.id);
      const last = this.stopSentAt.get(j.id);
      if (last !== undefined && now - last < 15_000) continue;
      // Every node of the job: the first runs it, the others may run parts of it (Ray workers).
      const nodes = new Set([j.node, ...(j.nodes ?? []).map((p) => p.node)].filter(Boolean));
      const sent = [...nodes].map((node) => this.deps.gateway.send(node, { type: 'stop', jobId: j.id, graceSec: this.deps.stopGraceSec }));
      if (sent.some(Boolean)) this.stopSentAt.set(j.id, now);
    }
    for (const id of this.stopSentAt.keys()) if (!live.has(id)) this.stopSentAt.delete(id);
  }
}
