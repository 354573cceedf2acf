/**
 * Stage 6, explain: every job that stays pending gets its reason, queue
 * position (overall and within its account), estimated start when known, and
 * its priority breakdown. Last because it only reads what the other stages
 * decided; the UI shows these, never log text.
 */
import type { CycleContext, JobView } from '../context';
import { breakdown } from '../priority';
import type { PendingExplanation } from '../types';
import type { Verdicts } from './verdicts';

export function explainPending(
  ctx: CycleContext,
  order: readonly JobView[],
  started: ReadonlySet<string>,
  verdicts: Verdicts,
): Record<string, PendingExplanation> {
  const withDetail = ctx.config.explainDetail;
  const out: Record<string, PendingExplanation> = {};
  const perAccount = new Map<string, number>();
  let position = 0;
  for (const v of order) {
    if (started.has(v.id)) continue;
    position++;
    const e: PendingExplanation = { reason: verdicts.reason(v) ?? 'Priority', position, estimatedStart: verdicts.estimate(v) };
    if (withDetail) {
      const inAccount = (perAccount.get(v.job.account) ?? 0) + 1;
      perAccount.set(v.job.account, inAccount);
      e.positionInAccount = inAccount;
      e.priority = breakdown(v.factors, v.job.basePriority, ctx.config);
      if (ctx.config.queueOrder === 'fifo') e.priority.total = 0;
    }
    const detail = verdicts.detail(v);
    if (detail !== undefined) e.detail = detail;
    out[v.id] = e;
  }
  return out;
}
