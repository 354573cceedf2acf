import { createTestDb } from '@sluice/db/testing';
import { type CycleResult, DEFAULT_SCHEDULER_CONFIG } from '@sluice/scheduler-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueuePublisher } from '../src/publish';

let t: Awaited<ReturnType<typeof createTestDb>>;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.cleanup();
});

const result = (ids: number[], shift = 0): CycleResult => ({
  plan: { start: [], preempt: [] },
  pending: Object.fromEntries(ids.map((id, i) => [String(id), { reason: 'Resources' as const, position: i + 1 + shift, estimatedStart: null }])),
});

describe('QueuePublisher', () => {
  it('writes a row per pending job of a long queue, drops those that left, and skips jobs no longer pending', async () => {
    const user = await t.db.user.create({ data: { username: 'ann', passwordHash: 'x' } });
    await t.db.job.createMany({ data: Array.from({ length: 450 }, () => ({ userId: user.id, name: 'j', command: 'true', gpus: 1, timeLimitMinutes: 1 })) });
    const ids = (await t.db.job.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((j) => j.id);
    const publisher = new QueuePublisher(t.db);
    let now = 1_000_000;
    await publisher.publish(result(ids), {}, DEFAULT_SCHEDULER_CONFIG, now);
    const rows = await t.db.pendingExplain.findMany({ orderBy: { jobId: 'asc' } });
    expect(rows.map((r) => [r.jobId, r.position])).toEqual(ids.map((id, i) => [id, i + 1]));

    // The first job started; the last was cancelled after the snapshot the cycle saw.
    await t.db.job.update({ where: { id: ids[449] }, data: { state: 'CANCELLED' } });
    now += 10_000;
    await publisher.publish(result(ids.slice(1), 0), {}, DEFAULT_SCHEDULER_CONFIG, now);
    const after = await t.db.pendingExplain.findMany({ orderBy: { jobId: 'asc' } });
    expect(after.map((r) => [r.jobId, r.position])).toEqual(ids.slice(1, 449).map((id, i) => [id, i + 1]));
  });
});
