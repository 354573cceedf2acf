import type { Db } from '@sluice/db';
import type { CycleResult, EpochMs, FairshareReport, SchedulerConfig } from '@sluice/scheduler-core';

/**
 * Publishes what the portal shows about the queue: one PendingExplain row per pending job
 * (position, estimate, priority breakdown) and the fair-share report. Rows are rewritten
 * only when they changed since the last write, so a quiet queue costs nothing.
 */
export class QueuePublisher {
  private readonly written = new Map<number, string>();
  private lastFairshare = '';
  /** Until the first write nothing is known about the table (e.g. after a restart). */
  private fresh = true;

  constructor(private readonly db: Db) {}

  async publish(result: CycleResult, estimates: Record<string, EpochMs | null>, config: SchedulerConfig, now: EpochMs): Promise<void> {
    const rows = Object.entries(result.pending).map(([id, e]) => {
      const est = estimates[id] ?? e.estimatedStart;
      const breakdown = e.priority ? { ...e.priority, weights: config.priority.weights } : null;
      return {
        jobId: Number(id),
        position: e.position,
        positionInAccount: e.positionInAccount ?? e.position,
        estimatedStart: est === null || est === undefined ? null : new Date(Math.max(est, now)),
        priority: e.priority?.total ?? 0,
        breakdown: JSON.stringify(breakdown),
        detail: e.detail ?? null,
      };
    });
    const changed = rows.filter((r) => this.written.get(r.jobId) !== signature(r));
    const live = new Set(rows.map((r) => r.jobId));
    const gone = [...this.written.keys()].filter((id) => !live.has(id));
    if (changed.length > 0 || gone.length > 0 || this.fresh) {
      const at = new Date(now);
      await this.db.$transaction(async (tx) => {
        if (this.fresh) await tx.pendingExplain.deleteMany({});
        else await tx.pendingExplain.deleteMany({ where: { jobId: { in: [...gone, ...changed.map((r) => r.jobId)] } } });
        // Jobs may have left the queue since the snapshot (cancelled, deleted): write only those still there.
        const still = new Set(
          (await tx.job.findMany({ where: { id: { in: changed.map((r) => r.jobId) }, state: 'PENDING' }, select: { id: true } })).map((j) => j.id),
        );
        await tx.pendingExplain.createMany({ data: changed.filter((r) => still.has(r.jobId)).map((r) => ({ ...r, updatedAt: at })) });
      });
      this.fresh = false;
      for (const id of gone) this.written.delete(id);
      for (const r of changed) this.written.set(r.jobId, signature(r));
    }
    if (result.fairshare) await this.publishFairshare(result.fairshare, config, now);
  }

  private async publishFairshare(report: FairshareReport, config: SchedulerConfig, now: EpochMs): Promise<void> {
    const body = JSON.stringify({ algorithm: report.algorithm, halfLifeSec: config.fairshare.halfLifeSec, rows: report.rows });
    if (body === this.lastFairshare) return;
    const value = JSON.stringify({ at: new Date(now).toISOString(), algorithm: report.algorithm, halfLifeSec: config.fairshare.halfLifeSec, rows: report.rows });
    await this.db.schedulerState.upsert({ where: { key: 'fairshare' }, create: { key: 'fairshare', value }, update: { value } });
    this.lastFairshare = body;
  }
}

const signature = (r: { position: number; positionInAccount: number; estimatedStart: Date | null; breakdown: string; detail: string | null }) =>
  `${r.position}|${r.positionInAccount}|${r.estimatedStart?.getTime() ?? ''}|${r.breakdown}|${r.detail ?? ''}`;
