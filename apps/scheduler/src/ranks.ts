import type { JobExit, SchedulerMessageBody } from '@sluice/contracts';
import { type Db, rawReader, recordJobEvent } from '@sluice/db';
import type { Logger } from 'pino';
import { jobParts, launchSpecFor } from './applier';
import type { Clock } from './clock';

/**
 * The parts of multi-node jobs beyond their first node (rank 0). A batch command runs on rank
 * 0 alone (the other nodes hold GPUs for it, like a Slurm batch script); a Ray session runs a
 * worker on every further node, launched once its head reported the address to join. The job
 * lives and ends with rank 0: when it ends, its other ranks are stopped. A worker that exits
 * while its job runs does not end the job: it is restarted after a back-off (1 s, 2 s, 4 s ...
 * 60 s, with jitter; back to 1 s once a worker stayed up a minute), and each restart is written
 * to the job's log. Heartbeats are the workers' health check: a worker missing from its node's
 * running list (its node's records of it were lost) is restarted the same way. (A node still
 * running a part of a job that no longer holds anything there is told to stop it by the
 * heartbeat's reconciliation, nodes.ts.)
 *
 *   head session-ready(address) ──▶ headReady ──launch(rank 1..n-1)──▶ worker agents
 *   worker exited / missing from heartbeat ──▶ restart due at now + back-off ──tick (each cycle)──▶ launch
 *   rank 0 exited ──▶ jobEnded ──stop──▶ every other node of the job
 */

/** What a node that is not a job's first reports about its part. */
type WorkerReport = { type: 'started'; jobId: string; pid: number } | ({ type: 'exited' } & JobExit);

const RESTART_BASE_MS = 1000;
const RESTART_MAX_MS = 60_000;
/** A worker up this long is healthy: its next failure is restarted after the shortest back-off. */
const HEALTHY_AFTER_MS = 60_000;
/** A launched worker missing from its node's running list this much later is presumed gone. */
const LAUNCH_GRACE_MS = 30_000;

/** The wait before restarting a worker after its `failures`-th failure in a row (1-based), ±20% jitter. */
export function restartDelayMs(failures: number, random: () => number): number {
  const base = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

interface Rank {
  /** Failures in a row (reset once it stayed up HEALTHY_AFTER_MS). */
  failures: number;
  launchedAt: number;
  startedAt: number | null;
  /** When a restart is due; null while none is pending. */
  restartAt: number | null;
  /** When its last reported end happened (a node reports an end until it is acknowledged: counted once). */
  lastEnd?: string;
}

export interface RanksDeps {
  db: Db;
  log: Logger;
  clock: Clock;
  send(node: string, body: SchedulerMessageBody): boolean;
  /** Appends text to the job's log, which its owner reads. */
  jobLog(jobId: number, text: string): Promise<void>;
  stopGraceSec: number;
  random?: () => number;
}

const key = (jobId: number, node: string) => `${jobId}@${node}`;

/** A Ray session that runs, whose head is up, and that is not being stopped: its workers should run. */
const WORKER_JOB = { kind: 'session', template: 'ray', state: 'RUNNING', stopRequested: null, sessionAddress: { not: null } } as const;

export class WorkerRanks {
  private readonly ranks = new Map<string, Rank>();

  constructor(private readonly deps: RanksDeps) {}

  /** Whether `node` runs the job's first part, another part, or none of it. */
  async placement(jobId: number, node: string): Promise<'first' | 'other' | null> {
    // Asked for every message of every job: read without the ORM.
    const [job] = rawReader(this.deps.db).all<{ nodeName: string | null; there: number }>(
      'SELECT nodeName, EXISTS (SELECT 1 FROM Allocation WHERE jobId = ? AND nodeName = ?) AS there FROM Job WHERE id = ?',
      jobId,
      node,
      jobId,
    );
    if (!job) return null;
    if (job.nodeName === node) return 'first';
    return job.there ? 'other' : null;
  }

  /** A Ray session's head is up: every further node starts its worker. */
  async headReady(jobId: number): Promise<void> {
    const job = await this.workerJob(jobId);
    if (!job) return;
    const now = this.deps.clock.now();
    for (let rank = 1; rank < job.parts.length; rank++) this.launch(job, rank, now);
  }

  /** What a node that is not the job's first reports about its part (its output goes to the log as usual). */
  async report(node: string, msg: WorkerReport): Promise<void> {
    const jobId = Number(msg.jobId);
    const now = this.deps.clock.now();
    const rank = this.ranks.get(key(jobId, node));
    if (msg.type === 'started') {
      if (rank) rank.startedAt = now;
      await this.deps.jobLog(jobId, `[sluice] Ray worker on ${node} started (pid ${msg.pid})\n`);
    } else {
      if (msg.endedAt !== undefined && rank?.lastEnd === msg.endedAt) return;
      const how = [msg.exitCode !== null ? `exit code ${msg.exitCode}` : null, msg.signal ? `signal ${msg.signal}` : null, msg.message ?? null].filter(Boolean).join(', ');
      await this.workerGone(jobId, node, how || 'exited', now, msg.endedAt);
    }
  }

  /** A node's heartbeat: Ray workers that should run there but do not are restarted. */
  async checkNode(node: string, running: string[], now: number): Promise<void> {
    const runningSet = new Set(running);
    const workers = await this.deps.db.job.findMany({
      where: { ...WORKER_JOB, nodeName: { not: node }, allocations: { some: { nodeName: node, releasedAt: null } } },
      select: { id: true },
    });
    for (const j of workers) {
      if (runningSet.has(String(j.id))) continue;
      const rank = this.ranks.get(key(j.id, node));
      if (rank && (rank.restartAt !== null || now - rank.launchedAt < LAUNCH_GRACE_MS)) continue;
      await this.workerGone(j.id, node, `not running on ${node}`, now);
    }
  }

  /** Every cycle: the restarts that are due. */
  async tick(now: number): Promise<void> {
    for (const [k, rank] of this.ranks) {
      if (rank.restartAt === null || rank.restartAt > now) continue;
      const [id, node] = k.split('@') as [string, string];
      const job = await this.workerJob(Number(id));
      const index = job?.parts.findIndex((p) => p.node === node) ?? -1;
      if (!job || index < 1) this.ranks.delete(k);
      else this.launch(job, index, now);
    }
  }

  /** Rank 0 ended the job: its other nodes stop their parts. */
  async jobEnded(jobId: number): Promise<void> {
    for (const k of this.ranks.keys()) if (k.startsWith(`${jobId}@`)) this.ranks.delete(k);
    const others = rawReader(this.deps.db).all<{ nodeName: string }>(
      'SELECT DISTINCT a.nodeName FROM Allocation a JOIN Job j ON j.id = a.jobId WHERE a.jobId = ? AND a.nodeName IS NOT j.nodeName',
      jobId,
    );
    for (const { nodeName } of others) this.deps.send(nodeName, { type: 'stop', jobId: String(jobId), graceSec: this.deps.stopGraceSec });
  }

  /** A worker ended or vanished while its job runs: restart it after the back-off, and say so in the job's log. */
  private async workerGone(jobId: number, node: string, how: string, now: number, endedAt?: string): Promise<void> {
    const k = key(jobId, node);
    if (!(await this.workerJob(jobId))) {
      this.ranks.delete(k); // the job is over or stopping: an expected end
      return;
    }
    const rank = this.ranks.get(k) ?? { failures: 0, launchedAt: now, startedAt: null, restartAt: null };
    const healthy = rank.startedAt !== null && now - rank.startedAt >= HEALTHY_AFTER_MS;
    rank.failures = healthy ? 1 : rank.failures + 1;
    rank.startedAt = null;
    if (endedAt !== undefined) rank.lastEnd = endedAt;
    const delay = restartDelayMs(rank.failures, this.deps.random ?? Math.random);
    rank.restartAt = now + delay;
    this.ranks.set(k, rank);
    const text = `the Ray worker on ${node} ended (${how}); restarting it in ${(delay / 1000).toFixed(1)} s (failure ${rank.failures} in a row)`;
    this.deps.log.warn({ jobId, node, failures: rank.failures, delayMs: delay }, 'Ray worker ended; restarting it');
    await this.deps.jobLog(jobId, `[sluice] ${text}\n`);
    await recordJobEvent(this.deps.db, jobId, 'WORKER_RESTART', text);
  }

  private launch(job: NonNullable<Awaited<ReturnType<WorkerRanks['workerJob']>>>, rank: number, now: number): void {
    const part = job.parts[rank];
    if (!part) return;
    const k = key(job.id, part.node);
    const state = this.ranks.get(k) ?? { failures: 0, launchedAt: now, startedAt: null, restartAt: null };
    this.ranks.set(k, { ...state, launchedAt: now, restartAt: null });
    if (!this.deps.send(part.node, { type: 'launch', spec: launchSpecFor(job, job.parts, rank) }))
      this.deps.log.warn({ node: part.node, jobId: job.id }, 'node not connected; its Ray worker starts when it reconnects');
  }

  /** A running Ray session whose head is up and that is not being stopped, with its parts; else null. */
  private async workerJob(jobId: number) {
    const job = await this.deps.db.job.findFirst({
      where: { id: jobId, ...WORKER_JOB },
      include: { user: { select: { username: true, unixUser: true } }, allocations: { where: { releasedAt: null }, orderBy: { id: 'asc' } } },
    });
    return job ? { ...job, parts: jobParts(job.nodeName, job.allocations) } : null;
  }
}
