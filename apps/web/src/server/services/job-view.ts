import { type EndReason, type JobView, type PendingReason, REASON_TEXT } from '@sluice/contracts';
import type { Prisma } from '@sluice/db';

export const jobInclude = { user: { select: { username: true } }, allocations: { select: { gpuUuid: true } } } as const;
export type JobRow = Prisma.JobGetPayload<{ include: typeof jobInclude }>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toJobView(j: JobRow): JobView {
  const reason = (j.reason as PendingReason | EndReason | null) ?? null;
  return {
    id: String(j.id),
    name: j.name,
    kind: j.kind === 'session' ? 'session' : 'batch',
    user: j.user.username,
    state: j.state as JobView['state'],
    command: j.command,
    gpus: j.gpus,
    timeLimitMinutes: j.timeLimitMinutes,
    exitCode: j.exitCode,
    reason,
    reasonText: reason ? REASON_TEXT[reason] : null,
    node: j.nodeName,
    gpuUuids: j.allocations.map((a) => a.gpuUuid),
    submittedAt: j.submittedAt.toISOString(),
    startedAt: iso(j.startedAt),
    endedAt: iso(j.endedAt),
  };
}
