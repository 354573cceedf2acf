import { open, stat } from 'node:fs/promises';
import { isFinalJobState, type JobState, JobSubmitInput, type JobView } from '@sluice/contracts';
import { jobLogPath, recordJobEvent } from '@sluice/db';
import type { AuthUser } from '../auth/sessions';
import { AppError, notFound, parseInput } from '../errors';
import { canSee, type ServiceContext } from './context';
import { resolveSubmission } from './job-policy';
import { type JobRow, jobInclude, toJobView, unplannedEstimate } from './job-view';

/** A readable default name: the command's first word, like Slurm's script name. */
export function defaultJobName(command: string): string {
  const first = command.trim().split(/\s+/)[0] ?? 'job';
  const base = first.split('/').pop() ?? first;
  return base.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64) || 'job';
}

/** Parses a job id from a URL or form: digits only, anything else is simply "not found". */
export function parseJobId(raw: string): number | null {
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

async function loadVisibleJob(ctx: ServiceContext, caller: AuthUser, rawId: string, kind?: 'batch' | 'session'): Promise<JobRow> {
  const id = parseJobId(rawId);
  const job = id === null ? null : await ctx.db.job.findUnique({ where: { id }, include: jobInclude });
  // Someone else's job is "not found", so ids do not reveal what others run.
  if (!job || !canSee(caller, job.userId) || (kind && job.kind !== kind)) throw notFound(kind === 'session' ? 'session' : 'job');
  return job;
}

export async function submitJob(ctx: ServiceContext, caller: AuthUser, raw: unknown): Promise<JobView> {
  const input = parseInput(JobSubmitInput, raw);
  const resolved = await resolveSubmission(ctx.db, caller, input, 'batch', ctx.cache);
  const job = await ctx.jobs.insert(
    {
      userId: caller.id,
      name: input.name ?? defaultJobName(input.command),
      command: input.command,
      gpus: input.gpus,
      timeLimitMinutes: input.timeLimitMinutes,
      ...resolved,
      requeue: input.requeue ?? true,
      checkpointable: input.checkpointable ?? false,
    },
    'submitted',
  );
  ctx.scheduler.poke();
  // A new job holds no GPUs and has not been explained yet.
  return toJobView({ ...job, user: { username: caller.username }, allocations: [], explain: null });
}

export async function listJobs(ctx: ServiceContext, caller: AuthUser, opts: { all?: boolean; limit?: number; kind?: 'batch' | 'session' } = {}): Promise<JobView[]> {
  const everyone = opts.all === true && caller.role === 'admin';
  const rows = await ctx.db.job.findMany({
    where: { ...(everyone ? {} : { userId: caller.id }), ...(opts.kind ? { kind: opts.kind } : {}) },
    include: jobInclude,
    orderBy: [{ submittedAt: 'desc' }, { id: 'desc' }],
    take: Math.min(Math.max(opts.limit ?? 200, 1), 1000),
  });
  const unplanned = await unplannedEstimate(ctx.db, rows, ctx.now());
  return rows.map((r) => toJobView(r, unplanned));
}

export async function getJob(ctx: ServiceContext, caller: AuthUser, id: string): Promise<JobView> {
  const job = await loadVisibleJob(ctx, caller, id);
  return toJobView(job, await unplannedEstimate(ctx.db, [job], ctx.now()));
}

/**
 * Cancels a job. A pending job ends at once; a running one is asked to stop (SIGTERM,
 * then SIGKILL after the grace period) and ends CANCELLED when its node confirms.
 */
export async function cancelJob(ctx: ServiceContext, caller: AuthUser, rawId: string, kind?: 'batch' | 'session'): Promise<JobView> {
  const job = await loadVisibleJob(ctx, caller, rawId, kind);
  if (isFinalJobState(job.state as JobState)) throw new AppError('CONFLICT', `${kind === 'session' ? 'session' : 'job'} ${job.id} has already ended (${job.state})`);
  const now = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    const pending = await tx.job.updateMany({ where: { id: job.id, state: 'PENDING' }, data: { state: 'CANCELLED', reason: 'Cancelled', endedAt: now } });
    if (pending.count > 0) {
      await recordJobEvent(tx, job.id, 'CANCELLED', `by ${caller.username} while pending`);
      return;
    }
    const active = await tx.job.updateMany({ where: { id: job.id, state: { in: ['STARTING', 'RUNNING'] }, stopRequested: null }, data: { stopRequested: 'Cancelled' } });
    if (active.count > 0) await recordJobEvent(tx, job.id, 'STOP_REQUESTED', `by ${caller.username}`);
  });
  ctx.scheduler.poke();
  return toJobView(await loadVisibleJob(ctx, caller, rawId, kind));
}

/** A job's output from byte `offset` on (for live tailing), at most `limit` bytes. */
export async function readJobLog(ctx: ServiceContext, caller: AuthUser, id: string, offset = 0, limit = 1024 * 1024): Promise<{ text: string; size: number; next: number }> {
  const job = await loadVisibleJob(ctx, caller, id);
  const file = jobLogPath(ctx.dataDir, job.id);
  const size = await stat(file).then((s) => s.size, () => 0);
  const from = Math.min(Math.max(0, Math.floor(offset)), size);
  const length = Math.min(limit, size - from);
  if (length <= 0) return { text: '', size, next: from };
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, from);
    return { text: buf.subarray(0, bytesRead).toString('utf8'), size, next: from + bytesRead };
  } finally {
    await fh.close();
  }
}
