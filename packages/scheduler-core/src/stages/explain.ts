/**
 * Stage 6, explain: every job that stays pending gets its reason, queue
 * position (overall and within its account), estimated start when known, and
 * its priority breakdown. Last because it only reads what the other stages
 * decided; the UI shows these, never log text.
 */
import type { CycleContext, JobView } from '../context';
import { breakdown } from '../priority';
import type { PendingExplanation } from '../types';
import type { Verdict } from './walk';

export function explainPending(
  ctx: CycleContext,
  order: readonly JobView[],
  started: ReadonlySet<string>,
  verdicts: ReadonlyMap<string, Verdict>,
): Record<string, PendingExplanation> {
  const detail = ctx.config.explainDetail;
  const out: Record<string, PendingExplanation> = {};
  const perAccount = new Map<string, number>();
  let position = 0;
  for (const v of order) {
    if (started.has(v.id)) continue;
    position++;
    const verdict = verdicts.get(v.id) ?? { reason: 'Priority', estimatedStart: null };
    const e: PendingExplanation = { reason: verdict.reason, position, estimatedStart: verdict.estimatedStart };
    if (detail) {
      const inAccount = (perAccount.get(v.job.account) ?? 0) + 1;
      perAccount.set(v.job.account, inAccount);
      e.positionInAccount = inAccount;
      e.priority = breakdown(v.factors, v.job.basePriority, ctx.config);
      if (ctx.config.queueOrder === 'fifo') e.priority.total = 0;
    }
    if (verdict.detail !== undefined) e.detail = verdict.detail;
    out[v.id] = e;
  }
  return out;
}
