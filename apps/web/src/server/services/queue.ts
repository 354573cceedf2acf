import { PendingReason, type QueueEntry } from '@sluice/contracts';
import type { AuthUser } from '../auth/sessions';
import { canSee, type ServiceContext } from './context';
import { jobInclude, toJobView, unplannedEstimate } from './job-view';

/**
 * Everyone's pending jobs in queue order, like `squeue`: position as of the scheduler's last
 * cycle (jobs it has not looked at yet come last, oldest first, estimated at the back of the queue). Who waits, for how many GPUs
 * and why is public; the name and command of another user's job are not (admins see all).
 */
export async function listQueue(ctx: ServiceContext, caller: AuthUser): Promise<QueueEntry[]> {
  const rows = await ctx.db.job.findMany({ where: { state: 'PENDING' }, include: jobInclude, orderBy: [{ submittedAt: 'asc' }, { id: 'asc' }] });
  const rank = (p: number | null) => p ?? Number.MAX_SAFE_INTEGER;
  const unplanned = await unplannedEstimate(ctx.db, rows, ctx.now());
  const ordered = rows.map((r) => ({ row: r, view: toJobView(r, unplanned) })).sort((a, b) => rank(a.view.position) - rank(b.view.position));
  return ordered.map(({ row, view }) => {
    const shown = canSee(caller, row.userId);
    const reason = PendingReason.safeParse(row.reason).data ?? null;
    return {
      id: view.id,
      name: shown ? view.name : null,
      command: shown ? view.command : null,
      user: view.user,
      account: view.account,
      qos: view.qos,
      state: view.state,
      gpus: view.gpus,
      timeLimitMinutes: view.timeLimitMinutes,
      reason,
      reasonText: reason ? view.reasonText : null,
      position: view.position,
      positionInAccount: view.positionInAccount,
      estimatedStart: view.estimatedStart,
      priority: view.priority?.total ?? row.explain?.priority ?? null,
      submittedAt: view.submittedAt,
      mine: row.userId === caller.id,
    };
  });
}
