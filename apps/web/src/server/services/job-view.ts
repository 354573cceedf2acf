import { type EndReason, type JobView, type PendingReason, PriorityBreakdown, REASON_TEXT } from '@sluice/contracts';
import type { Db, Prisma } from '@sluice/db';

export const jobInclude = {
  user: { select: { username: true } },
  allocations: { select: { gpuUuid: true, releasedAt: true } },
  explain: true,
} as const;
export type JobRow = Prisma.JobGetPayload<{ include: typeof jobInclude }>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * The estimated start shown for pending jobs the scheduler has not planned yet (submitted since
 * its last cycle, which publishes within a second or two): the back of the published queue (its
 * latest estimate), or `now` when nothing else has one. Null when every pending row given has
 * been planned, so the common case costs no query.
 */
export async function unplannedEstimate(db: Db, rows: readonly JobRow[], now: Date): Promise<Date | null> {
  if (!rows.some((r) => r.state === 'PENDING' && !r.explain)) return null;
  const back = (await db.pendingExplain.aggregate({ _max: { estimatedStart: true } }))._max.estimatedStart;
  return back && back > now ? back : now;
}

/** `unplanned`: the estimate for a pending job without a published plan (`unplannedEstimate`). */
export function toJobView(j: JobRow, unplanned: Date | null = null): JobView {
  const reason = (j.reason as PendingReason | EndReason | null) ?? null;
  return {
    id: String(j.id),
    name: j.name,
    kind: j.kind === 'session' ? 'session' : 'batch',
    user: j.user.username,
    state: j.state as JobView['state'],
    command: j.command,
    image: j.image,
    gpus: j.gpus,
    timeLimitMinutes: j.timeLimitMinutes,
    exitCode: j.exitCode,
    reason,
    reasonText: reason ? REASON_TEXT[reason] : null,
    node: j.nodeName,
    // GPUs held now, or for an ended job those of its last run (a requeued job may have had others).
    gpuUuids: j.allocations.filter((a) => a.releasedAt === null || ended(j)).map((a) => a.gpuUuid),
    submittedAt: j.submittedAt.toISOString(),
    startedAt: iso(j.startedAt),
    endedAt: iso(j.endedAt),
    account: j.account,
    qos: j.qos,
    preemptCount: j.preemptCount,
    borrowed: j.borrowed,
    ...pendingInfo(j, unplanned),
  };
}

const ended = (j: JobRow) => j.endedAt !== null;

/** Queue position, estimate and priority, for pending jobs the scheduler has explained. */
function pendingInfo(j: JobRow, unplanned: Date | null): Pick<JobView, 'position' | 'positionInAccount' | 'estimatedStart' | 'priority'> {
  const e = j.state === 'PENDING' ? j.explain : null;
  if (!e) return { position: null, positionInAccount: null, estimatedStart: j.state === 'PENDING' && unplanned ? unplanned.toISOString() : null, priority: null };
  const parsed = PriorityBreakdown.safeParse(JSON.parse(e.breakdown));
  return {
    position: e.position,
    positionInAccount: e.positionInAccount,
    // An estimate already past (the job starts at the next cycle) reads as "now".
    estimatedStart: e.estimatedStart ? new Date(Math.max(e.estimatedStart.getTime(), Date.now())).toISOString() : null,
    priority: parsed.success ? parsed.data : null,
  };
}
