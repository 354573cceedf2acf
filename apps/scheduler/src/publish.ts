import type { Db } from '@sluice/db';
import { type CycleResult, type EpochMs, type FairshareReport, type SchedulerConfig, shownEstimates } from '@sluice/scheduler-core';

/** Changed rows of jobs already shown are rewritten at most this often (or 10x the last write's cost). */
const REFRESH_MS = 2000;
/** Rows per transaction. */
const SLICE = 200;

/**
 * Publishes what the portal shows about the queue: one PendingExplain row per pending job
 * (position, estimate, priority breakdown) and the fair-share report. A new pending job's row is
 * written in the first cycle that sees it; rows that changed are rewritten at most every
 * REFRESH_MS, so a long queue whose positions shift on every submission does not hold the
 * database's write lock cycle after cycle, and a quiet queue costs nothing.
 */
export class QueuePublisher {
  private readonly written = new Map<number, string>();
  private lastFairshare = '';
  /** Until the first write nothing is known about the table (e.g. after a restart). */
  private fresh = true;
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private writeCostMs = 0;

  constructor(private readonly db: Db) {}

  async publish(result: CycleResult, estimates: Record<string, EpochMs | null>, config: SchedulerConfig, now: EpochMs): Promise<void> {
    const shown = shownEstimates(result, estimates, now);
    const rows = Object.entries(result.pending).map(([id, e]) => {
      const est = shown[id];
      const breakdown = e.priority ? { ...e.priority, weights: config.priority.weights } : null;
      return {
        jobId: Number(id),
        position: e.position,
        positionInAccount: e.positionInAccount ?? e.position,
        estimatedStart: est === null || est === undefined ? null : new Date(est),
        priority: e.priority?.total ?? 0,
        breakdown: JSON.stringify(breakdown),
        detail: e.detail ?? null,
      };
    });
    const refresh = now - this.refreshedAt >= Math.max(REFRESH_MS, this.writeCostMs * 10);
    if (refresh) this.refreshedAt = now;
    const changed = rows.filter((r) => {
      const prev = this.written.get(r.jobId);
      return prev === undefined || (refresh && prev !== signature(r));
    });
    const live = new Set(rows.map((r) => r.jobId));
    const gone = [...this.written.keys()].filter((id) => !live.has(id));
    if (changed.length > 0 || gone.length > 0 || this.fresh) {
      const at = new Date(now);
      const t0 = performance.now();
      if (this.fresh) await this.db.pendingExplain.deleteMany({});
      else if (gone.length > 0) await this.db.pendingExplain.deleteMany({ where: { jobId: { in: gone } } });
      // A long queue is rewritten in slices, each its own short transaction, so that agents' messages
      // and submissions are not held up behind it (a reader may see a slice newer than the rest).
      for (let i = 0; i < changed.length; i += SLICE) {
        if (i > 0) await new Promise((r) => setImmediate(r));
        const slice = changed.slice(i, i + SLICE);
        const ids = slice.map((r) => r.jobId);
        await this.db.$transaction(async (tx) => {
          await tx.pendingExplain.deleteMany({ where: { jobId: { in: ids } } });
          // Jobs may have left the queue since the snapshot (cancelled, deleted): write only those still there.
          const still = new Set((await tx.job.findMany({ where: { id: { in: ids }, state: 'PENDING' }, select: { id: true } })).map((j) => j.id));
          await tx.pendingExplain.createMany({ data: slice.filter((r) => still.has(r.jobId)).map((r) => ({ ...r, updatedAt: at })) });
        });
      }
      this.writeCostMs = performance.now() - t0;
      this.fresh = false;
      for (const id of gone) this.written.delete(id);
      for (const r of changed) this.written.set(r.jobId, signature(r));
    }
    if (result.fairshare) await this.publishFairshare(result.fairshare, config, now);
  }

  private async publishFairshare(report: FairshareReport, config: SchedulerConfig, now: EpochMs): Promise<void> {
    const doc = { algorithm: report.algorithm, halfLifeSec: config.fairshare.halfLifeSec, rows: report.rows };
    const body = JSON.stringify(doc);
    if (body === this.lastFairshare) return;
    const value = JSON.stringify({ at: new Date(now).toISOString(), ...doc });
    await this.db.schedulerState.upsert({ where: { key: 'fairshare' }, create: { key: 'fairshare', value }, update: { value } });
    this.lastFairshare = body;
  }
}

const signature = (r: { position: number; positionInAccount: number; estimatedStart: Date | null; breakdown: string; detail: string | null }) =>
  `${r.position}|${r.positionInAccount}|${r.estimatedStart?.getTime() ?? ''}|${r.breakdown}|${r.detail ?? ''}`;
