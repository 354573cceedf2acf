import type { Db, Tx } from '@sluice/db';
import { type SchedulerConfig, type UsageCharge, type UsageLedger, updateLedger } from '@sluice/scheduler-core';

const LEDGER_KEY = 'ledger';

/** Budget periods are calendar months (UTC), e.g. "2026-11". */
export const budgetPeriod = (at: number): string => new Date(at).toISOString().slice(0, 7);

/**
 * Charges what allocations used since the ledger's last update: GPU-seconds x billing weight,
 * decayed by the half-life, per account and user (Usage), and raw GPU-hours per account and
 * month (BudgetUsage). Runs at most once per priority calculation period, like Slurm's
 * PriorityCalcPeriod, so priorities stay stable in between. Returns true when it updated.
 */
export async function chargeUsage(db: Db, config: SchedulerConfig, now: number): Promise<boolean> {
  const state = await db.schedulerState.findUnique({ where: { key: LEDGER_KEY } });
  const at = state ? Number(JSON.parse(state.value).at) : null;
  if (at === null || !Number.isFinite(at)) {
    await saveLedgerTime(db, now);
    return false;
  }
  if (now - at < Math.max(1, config.priority.calcPeriodSec) * 1000) return false;
  const [allocations, gpus, usageRows] = await Promise.all([
    db.allocation.findMany({
      where: { OR: [{ releasedAt: null }, { releasedAt: { gt: new Date(at) } }] },
      select: { gpuUuid: true, createdAt: true, releasedAt: true, job: { select: { account: true, user: { select: { username: true } } } } },
    }),
    db.gpu.findMany({ select: { uuid: true, model: true } }),
    db.usage.findMany(),
  ]);
  const modelOf = new Map(gpus.map((g) => [g.uuid, g.model]));
  const charges: UsageCharge[] = [];
  const rawHours = new Map<string, number>();
  for (const a of allocations) {
    const from = Math.max(at, a.createdAt.getTime());
    const to = Math.min(now, a.releasedAt?.getTime() ?? now);
    if (to <= from) continue;
    const sec = (to - from) / 1000;
    const model = modelOf.get(a.gpuUuid);
    charges.push({ account: a.job.account, user: a.job.user.username, gpuSeconds: sec, overSec: (now - from) / 1000, ...(model ? { model } : {}) });
    rawHours.set(a.job.account, (rawHours.get(a.job.account) ?? 0) + sec / 3600);
  }
  const prev: UsageLedger = { at, usage: usageByAccount(usageRows) };
  const next = updateLedger(prev, now, charges, config);
  const period = budgetPeriod(now);
  await db.$transaction(async (tx) => {
    for (const [account, byUser] of Object.entries(next.usage))
      for (const [user, gpuSeconds] of Object.entries(byUser))
        await tx.usage.upsert({ where: { account_user: { account, user } }, create: { account, user, gpuSeconds }, update: { gpuSeconds } });
    for (const [account, hours] of rawHours)
      await tx.budgetUsage.upsert({
        where: { account_period: { account, period } },
        create: { account, period, gpuHours: hours },
        update: { gpuHours: { increment: hours } },
      });
    await saveLedgerTime(tx, now);
  });
  return true;
}

async function saveLedgerTime(db: Db | Tx, at: number): Promise<void> {
  const value = JSON.stringify({ at });
  await db.schedulerState.upsert({ where: { key: LEDGER_KEY }, create: { key: LEDGER_KEY, value }, update: { value } });
}

/** Usage rows as the core's account -> user -> GPU-seconds map. */
export function usageByAccount(rows: { account: string; user: string; gpuSeconds: number }[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    const byUser = out[r.account] ?? {};
    byUser[r.user] = r.gpuSeconds;
    out[r.account] = byUser;
  }
  return out;
}
