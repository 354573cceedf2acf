import { type Db, recordJobEvent } from '@sluice/db';

/**
 * Idle reclaim for sessions. Activity comes from agents' heartbeats (kernel busy or used,
 * terminal input, GPU use) and from the portal's proxy (traffic); a session idle for its idle
 * timeout is warned first (idleStopAt: the portal shows when it will stop) and then stopped, freeing its
 * GPUs. The timeout is the strictest of its QOS's, its account's and the user's own; a session
 * also stops at its QOS's maximum lifetime, idle or not.
 */
export async function recordActivity(db: Db, node: string, activity: Record<string, string>): Promise<void> {
  for (const [jobId, iso] of Object.entries(activity)) {
    const at = new Date(iso);
    if (!/^\d{1,15}$/.test(jobId) || Number.isNaN(at.getTime())) continue;
    // Only newer activity, and only for sessions on the reporting node; new activity clears a warning.
    await db.job.updateMany({
      where: { id: Number(jobId), nodeName: node, kind: 'session', OR: [{ lastActivityAt: null }, { lastActivityAt: { lt: at } }] },
      data: { lastActivityAt: at, idleStopAt: null },
    });
  }
}

export interface IdleDecision {
  jobId: number;
  action: 'warn' | 'Idle' | 'MaxLifetime';
  /** For a warning: when it stops unless used. */
  stopAt?: Date;
}

const minOf = (...xs: (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number');
  return v.length > 0 ? Math.min(...v) : null;
};

/** Warns idle sessions and asks to stop those past their idle timeout or lifetime. */
export async function enforceIdlePolicy(db: Db, now: number, warnMs: number): Promise<IdleDecision[]> {
  const sessions = await db.job.findMany({
    where: { kind: 'session', state: 'RUNNING', stopRequested: null },
    select: { id: true, qos: true, account: true, startedAt: true, lastActivityAt: true, idleStopAt: true, idleTimeoutMinutes: true },
  });
  if (sessions.length === 0) return [];
  const [qos, accounts] = await Promise.all([
    db.qos.findMany({ select: { name: true, idleTimeoutMinutes: true, maxLifetimeMinutes: true } }),
    db.account.findMany({ where: { idleTimeoutMinutes: { not: null } }, select: { name: true, idleTimeoutMinutes: true } }),
  ]);
  const qosOf = new Map(qos.map((q) => [q.name, q]));
  const accountTimeout = new Map(accounts.map((a) => [a.name, a.idleTimeoutMinutes]));
  const out: IdleDecision[] = [];
  for (const s of sessions) {
    const q = qosOf.get(s.qos);
    const started = (s.startedAt ?? new Date(now)).getTime();
    if (q?.maxLifetimeMinutes != null && started + q.maxLifetimeMinutes * 60_000 <= now) {
      out.push({ jobId: s.id, action: 'MaxLifetime' });
      continue;
    }
    const timeout = minOf(q?.idleTimeoutMinutes, accountTimeout.get(s.account), s.idleTimeoutMinutes);
    if (timeout === null) continue;
    const idleSince = Math.max(started, s.lastActivityAt?.getTime() ?? 0);
    const timeoutMs = timeout * 60_000;
    if (now - idleSince >= timeoutMs) out.push({ jobId: s.id, action: 'Idle' });
    else if (s.idleStopAt === null && now - idleSince >= timeoutMs - Math.min(warnMs, timeoutMs / 2))
      out.push({ jobId: s.id, action: 'warn', stopAt: new Date(idleSince + timeoutMs) });
  }
  await db.$transaction(async (tx) => {
    for (const d of out) {
      if (d.action === 'warn') {
        await tx.job.update({ where: { id: d.jobId }, data: { idleStopAt: d.stopAt ?? null } });
        await recordJobEvent(tx, d.jobId, 'IDLE_WARNING', `idle: it will be stopped at ${d.stopAt?.toISOString()} unless it is used`);
      } else {
        const r = await tx.job.updateMany({ where: { id: d.jobId, stopRequested: null }, data: { stopRequested: d.action } });
        if (r.count > 0) await recordJobEvent(tx, d.jobId, 'STOPPING', d.action === 'Idle' ? 'idle timeout' : 'maximum session lifetime');
      }
    }
  });
  return out;
}
