import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AgentMessage, EndReason, JobExit, JobState } from '@sluice/contracts';
import { type Db, jobLogPath, rawReader, recordJobEvent, type Tx } from '@sluice/db';

/** An end as the agent reports it: in an `exited` message, or as one of a hello's or heartbeat's `finished`. */
type Exited = JobExit | Extract<AgentMessage, { type: 'exited' }>;

/** How a job ends, from what the agent saw and what was asked of it. */
export function outcomeOf(msg: Pick<Exited, 'cause' | 'exitCode' | 'signal' | 'reason'>, stopRequested: string | null): { state: JobState; reason: EndReason | null } {
  if (msg.cause === 'launch-failed') return { state: 'FAILED', reason: msg.reason ?? 'LaunchFailed' };
  if (msg.cause === 'stopped') {
    if (stopRequested === 'TimeLimit') return { state: 'TIMEOUT', reason: 'TimeLimit' };
    if (stopRequested === 'Preempted') return { state: 'PREEMPTED', reason: 'Preempted' };
    if (stopRequested === 'Idle') return { state: 'CANCELLED', reason: 'Idle' };
    if (stopRequested === 'MaxLifetime') return { state: 'TIMEOUT', reason: 'MaxLifetime' };
    // Nobody asked: its node agent stopped everything as it shut down (requeued where allowed).
    if (stopRequested === null && msg.reason === 'NodeLost') return { state: 'NODE_FAIL', reason: 'NodeLost' };
    return { state: 'CANCELLED', reason: 'Cancelled' };
  }
  if (msg.exitCode === 0) return { state: 'COMPLETED', reason: null };
  if (msg.reason) return { state: 'FAILED', reason: msg.reason };
  if (msg.exitCode === null) return { state: 'FAILED', reason: 'Signal' };
  return { state: 'FAILED', reason: 'NonZeroExit' };
}

/** Ends a job's run: GPUs released, history written, and then requeued or ended. Idempotent. */
export async function finishJob(
  tx: Tx,
  jobId: number,
  end: { state: JobState; reason: EndReason | null; exitCode?: number | null; detail?: string },
  now: Date,
): Promise<boolean> {
  if (end.state === 'PREEMPTED' || end.state === 'NODE_FAIL') {
    const requeued = await requeueJob(tx, jobId, end, now);
    if (requeued !== null) return requeued;
  }
  const done = await tx.job.updateMany({
    where: { id: jobId, state: { in: ['STARTING', 'RUNNING'] } },
    data: { state: end.state, reason: end.reason, exitCode: end.exitCode ?? null, endedAt: now, sessionPort: null, sessionAddress: null },
  });
  if (done.count === 0) return false;
  await tx.allocation.updateMany({ where: { jobId, releasedAt: null }, data: { releasedAt: now } });
  await recordJobEvent(tx, jobId, end.state, end.detail ?? end.reason ?? '');
  return true;
}

/**
 * A preempted job, or one whose node was lost, goes back to the queue when it allows it
 * (Job.requeue, like Slurm's --requeue): PENDING again, keeping its submit time (its age),
 * with its preemption count raised. Null when the job does not allow it.
 */
async function requeueJob(tx: Tx, jobId: number, end: { state: JobState; reason: EndReason | null; detail?: string }, now: Date): Promise<boolean | null> {
  const job = await tx.job.findUnique({ where: { id: jobId }, select: { requeue: true } });
  if (!job?.requeue) return null;
  const done = await tx.job.updateMany({
    where: { id: jobId, state: { in: ['STARTING', 'RUNNING'] } },
    data: {
      state: 'PENDING',
      reason: null,
      stopRequested: null,
      startedAt: null,
      nodeName: null,
      sessionPort: null,
      sessionHost: null,
      sessionToken: null,
      sessionAddress: null,
      borrowed: false,
      ...(end.state === 'PREEMPTED' ? { preemptCount: { increment: 1 } } : {}),
    },
  });
  if (done.count === 0) return false;
  await tx.allocation.updateMany({ where: { jobId, releasedAt: null }, data: { releasedAt: now } });
  await recordJobEvent(tx, jobId, 'REQUEUED', `${end.state === 'PREEMPTED' ? 'preempted' : 'node lost'}${end.detail ? `: ${end.detail}` : ''}`);
  return true;
}

export async function onStarted(db: Db, jobId: number, pid: number, now: Date): Promise<void> {
  await db.$transaction(async (tx) => {
    const r = await tx.job.updateMany({ where: { id: jobId, state: 'STARTING' }, data: { state: 'RUNNING', startedAt: now } });
    if (r.count > 0) await recordJobEvent(tx, jobId, 'RUNNING', `pid ${pid}`);
  });
}

/** A session's server listens; a multi-node session's first node also says where the others join it. */
export async function onSessionReady(db: Db, jobId: number, host: string, port: number, address?: string): Promise<void> {
  await db.job.updateMany({
    where: { id: jobId, state: { in: ['STARTING', 'RUNNING'] } },
    data: { sessionHost: host, sessionPort: port, ...(address ? { sessionAddress: address } : {}) },
  });
}

/**
 * When a job ended: when its node says (it may report an end long after, e.g. after a restart),
 * but never before it started nor after now (the node's clock may be off).
 */
export function endTime(reported: string | undefined, startedAt: Date | null, now: Date): Date {
  const at = reported ? Date.parse(reported) : Number.NaN;
  if (!Number.isFinite(at)) return now;
  return new Date(Math.min(now.getTime(), Math.max(startedAt?.getTime() ?? at, at)));
}

export async function onExited(db: Db, msg: Exited, now: Date): Promise<void> {
  const id = Number(msg.jobId);
  await db.$transaction(async (tx) => {
    const job = await tx.job.findUnique({ where: { id }, select: { stopRequested: true, startedAt: true } });
    if (!job) return;
    const end = outcomeOf(msg, job.stopRequested);
    const detail = [msg.exitCode !== null ? `exit code ${msg.exitCode}` : null, msg.signal ? `signal ${msg.signal}` : null, msg.message ?? null]
      .filter(Boolean)
      .join(', ');
    await finishJob(tx, id, { ...end, exitCode: msg.exitCode, detail }, endTime(msg.endedAt, job.startedAt, now));
  });
}

/** Appends a chunk of a job's output to its log file. */
export async function appendLog(dataDir: string, jobId: string, data: string): Promise<void> {
  if (!/^\d+$/.test(jobId)) return;
  const file = jobLogPath(dataDir, jobId);
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, data);
}

/**
 * Records the ends a node reports (`exited`, and again in every `hello` and `heartbeat` until
 * acknowledged): the real outcome of each job placed on that node. An end of a job placed
 * elsewhere or unknown (a run the node was told to discard, a job requeued since) changes
 * nothing; one already recorded changes nothing either. Every id may then be acknowledged.
 */
export async function recordExits(db: Db, node: string, exits: readonly Exited[], now: Date): Promise<{ stale: string[] }> {
  const stale: string[] = [];
  for (const exit of exits) {
    const placed = /^\d{1,15}$/.test(exit.jobId) && rawReader(db).all('SELECT 1 FROM Job WHERE id = ? AND nodeName = ?', Number(exit.jobId), node).length > 0;
    if (placed) await onExited(db, exit, now);
    else stale.push(exit.jobId);
  }
  return { stale };
}
