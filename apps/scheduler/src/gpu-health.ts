import type { GpuProblem, GpuReport } from '@sluice/contracts';
import type { Db } from '@sluice/db';

/** SchedulerState key under which a node's latest GPU report is published for the portal. */
export const gpuMetricsKey = (nodeName: string) => `gpu-metrics:${nodeName}`;

export const describeGpuProblem = (p: GpuProblem): string => (p.index !== null ? `GPU ${p.index} (${p.uuid}): ${p.message}` : `GPU driver: ${p.message}`);

/**
 * A heartbeat's GPU report: publish it as the node's latest metrics, and drain the node when a
 * GPU is unhealthy. A drained node stays drained until an admin undrains it; while the problem
 * lasts, each heartbeat drains it again. XID events are one-off, so each is kept in the node's
 * hardware history; lasting problems are recorded once, when they drain the node.
 * Returns the drain reason when this report drained the node.
 */
export async function recordGpuReport(db: Db, nodeName: string, report: GpuReport, now: Date): Promise<string | null> {
  const key = gpuMetricsKey(nodeName);
  const value = JSON.stringify(report);
  return db.$transaction(async (tx) => {
    await tx.schedulerState.upsert({ where: { key }, create: { key, value }, update: { value } });
    if (report.problems.length === 0) return null;
    const node = await tx.node.findUnique({ where: { name: nodeName }, select: { state: true } });
    if (!node) return null;
    const draining = node.state !== 'DRAIN';
    const recorded = draining ? report.problems : report.problems.filter((p) => p.kind === 'xid');
    if (recorded.length > 0) {
      await tx.nodeHardwareEvent.createMany({
        data: recorded.map((p) => ({ nodeName, at: now, type: 'fault', component: p.uuid ? `gpu ${p.uuid}` : 'gpu driver', detail: describeGpuProblem(p) })),
      });
    }
    if (!draining) return null;
    const [first] = report.problems;
    const more = report.problems.length > 1 ? ` (and ${report.problems.length - 1} more GPU problems)` : '';
    const reason = `${first ? describeGpuProblem(first) : 'GPU problem'}${more}`;
    await tx.node.update({ where: { name: nodeName }, data: { state: 'DRAIN', drainReason: reason } });
    return reason;
  });
}
