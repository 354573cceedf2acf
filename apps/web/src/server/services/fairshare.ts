import { FairshareView } from '@sluice/contracts';
import { z } from 'zod';
import type { AuthUser } from '../auth/sessions';
import type { ServiceContext } from './context';
import { fairshareSummary } from './fairshare-summary';

/** What the scheduler publishes under SchedulerState 'fairshare' after a cycle. */
const Published = z.object({
  at: z.iso.datetime(),
  algorithm: FairshareView.shape.algorithm,
  halfLifeSec: z.number(),
  rows: z.array(FairshareView.shape.rows.element.omit({ summary: true })),
});

const DEFAULT_HALF_LIFE_SEC = 7 * 86_400;

/**
 * The fair-share standing, like `sshare`: every account for everyone; user rows of the caller's
 * own accounts and the caller's own rows (e.g. in `default`); admins see all. Summaries are
 * computed on the whole tree first, so hiding rows never changes what a visible row says.
 */
export async function getFairshare(ctx: ServiceContext, caller: AuthUser): Promise<FairshareView> {
  const state = await ctx.db.schedulerState.findUnique({ where: { key: 'fairshare' } });
  const parsed = state ? Published.safeParse(safeJson(state.value)) : null;
  if (!parsed?.success) return { algorithm: 'fair-tree', halfLifeSec: DEFAULT_HALF_LIFE_SEC, at: null, rows: [] };
  const { at, algorithm, halfLifeSec, rows } = parsed.data;
  const mine = new Set((await ctx.db.accountMember.findMany({ where: { userId: caller.id }, select: { accountName: true } })).map((m) => m.accountName));
  const visible = (r: (typeof rows)[number]) => r.user === null || r.user === caller.username || caller.role === 'admin' || mine.has(r.account);
  return {
    at,
    algorithm,
    halfLifeSec,
    rows: rows.filter(visible).map((r) => ({ ...r, summary: fairshareSummary(r, rows, halfLifeSec) })),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
