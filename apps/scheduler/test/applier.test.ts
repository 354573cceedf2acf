import { testDbForFile } from '@sluice/db/testing';
import type { CycleResult, Placement } from '@sluice/scheduler-core';
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../src/applier';
import { registerNode } from '../src/nodes';
import { inventory } from './harness';

const t = testDbForFile();

const now = new Date('2026-11-20T12:00:00Z');
const plan = (start: Placement[]): CycleResult => ({ plan: { start, preempt: [] }, pending: {} });
const gpu = (node: string, i: number) => `GPU-${node}-${i}`;

async function fixture() {
  for (const n of ['n1', 'n2', 'n3']) await registerNode(t.db, inventory(n, 2), [], now);
  await t.db.node.update({ where: { name: 'n3' }, data: { state: 'DOWN' } });
  const user = await t.db.user.create({ data: { username: 'ann', passwordHash: 'x', unixUser: 'ann_unix' } });
  const job = (gpus: number, extra: { kind?: string; template?: string; stopRequested?: string; state?: string } = {}) =>
    t.db.job.create({ data: { userId: user.id, name: 'j', command: 'train', gpus, timeLimitMinutes: 10, ...extra } });
  return { job };
}

describe('applyPlan', () => {
  it('starts every placement that still fits, in one go, and skips those the database no longer allows', async () => {
    const { job } = await fixture();
    const [a, b, wide, session, cancelled, ended, onDown, clash, wrongSize, taken] = [
      await job(1),
      await job(1),
      await job(4),
      await job(1, { kind: 'session', template: 'jupyter' }),
      await job(1, { stopRequested: 'Cancelled' }),
      await job(1, { state: 'CANCELLED' }),
      await job(1),
      await job(1),
      await job(2),
      await job(1),
    ];
    // A GPU another job holds since the snapshot.
    const holder = await job(1, { state: 'RUNNING' });
    await t.db.allocation.create({ data: { jobId: holder.id, nodeName: 'n2', gpuUuid: gpu('n2', 1), createdAt: now } });
    const launches = await applyPlan(
      t.db,
      plan([
        { jobId: String(a.id), node: 'n1', gpuUuids: [gpu('n1', 0)] },
        { jobId: String(b.id), node: 'n1', gpuUuids: [gpu('n1', 1)], borrowed: true },
        { jobId: String(clash.id), node: 'n1', gpuUuids: [gpu('n1', 1)] },
        { jobId: String(session.id), node: 'n2', gpuUuids: [gpu('n2', 0)] },
        { jobId: String(taken.id), node: 'n2', gpuUuids: [gpu('n2', 1)] },
        { jobId: String(cancelled.id), node: 'n2', gpuUuids: [gpu('n2', 0)] },
        { jobId: String(ended.id), node: 'n2', gpuUuids: [gpu('n2', 0)] },
        { jobId: String(onDown.id), node: 'n3', gpuUuids: [gpu('n3', 0)] },
        { jobId: String(wrongSize.id), node: 'n3', gpuUuids: [gpu('n3', 1)] },
        {
          jobId: String(wide.id),
          node: 'n3',
          gpuUuids: [gpu('n3', 0), gpu('n3', 1)],
          nodes: [
            { node: 'n3', gpuUuids: [gpu('n3', 0), gpu('n3', 1)] },
            { node: 'n1', gpuUuids: [gpu('n1', 0), gpu('n1', 1)] },
          ],
        },
      ]),
      new Map(),
      now,
    );
    expect(launches.map((l) => [l.node, l.spec.jobId, l.spec.gpuUuids, l.spec.user])).toEqual([
      ['n1', String(a.id), [gpu('n1', 0)], 'ann_unix'],
      ['n1', String(b.id), [gpu('n1', 1)], 'ann_unix'],
      ['n2', String(session.id), [gpu('n2', 0)], 'ann_unix'],
    ]);
    const jobs = new Map((await t.db.job.findMany({ include: { allocations: true, events: true } })).map((j) => [j.id, j]));
    const state = (id: number) => jobs.get(id)?.state;
    expect([a, b, session].map((j) => state(j.id))).toEqual(['STARTING', 'STARTING', 'STARTING']);
    expect([clash, taken, cancelled, onDown, wrongSize, wide].map((j) => state(j.id))).toEqual(Array(6).fill('PENDING'));
    expect(state(ended.id)).toBe('CANCELLED');
    expect(jobs.get(b.id)).toMatchObject({ nodeName: 'n1', borrowed: true, sessionToken: null, reason: null });
    expect(jobs.get(a.id)).toMatchObject({ nodeName: 'n1', borrowed: false, sessionToken: null });
    const token = jobs.get(session.id)?.sessionToken;
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    expect(launches[2]?.spec.session).toEqual({ template: 'jupyter', baseUrl: `/s/${session.id}/`, token });
    expect(jobs.get(a.id)?.allocations.map((x) => [x.nodeName, x.gpuUuid, x.releasedAt])).toEqual([['n1', gpu('n1', 0), null]]);
    expect(jobs.get(b.id)?.events.map((e) => [e.type, e.detail])).toEqual([['STARTING', `node n1, GPUs ${gpu('n1', 1)} (borrowed above the account guarantee)`]]);
    expect(await t.db.allocation.count()).toBe(4);
  });

  it('holds every node of a multi-node start, and runs its command on the first', async () => {
    const { job } = await fixture();
    const wide = await job(4);
    const parts = [
      { node: 'n2', gpuUuids: [gpu('n2', 0), gpu('n2', 1)] },
      { node: 'n1', gpuUuids: [gpu('n1', 0), gpu('n1', 1)] },
    ];
    const launches = await applyPlan(t.db, plan([{ jobId: String(wide.id), node: 'n2', gpuUuids: parts[0]?.gpuUuids ?? [], nodes: parts }]), new Map(), now);
    expect(launches).toHaveLength(1);
    expect(launches[0]).toMatchObject({ node: 'n2', spec: { gpuUuids: [gpu('n2', 0), gpu('n2', 1)] } });
    const held = await t.db.allocation.findMany({ where: { jobId: wide.id }, orderBy: { gpuUuid: 'asc' } });
    expect(held.map((x) => `${x.nodeName}:${x.gpuUuid}`)).toEqual([`n1:${gpu('n1', 0)}`, `n1:${gpu('n1', 1)}`, `n2:${gpu('n2', 0)}`, `n2:${gpu('n2', 1)}`]);
    const events = await t.db.jobEvent.findMany({ where: { jobId: wide.id } });
    expect(events.map((e) => e.detail)).toEqual([`node n2, GPUs ${gpu('n2', 0)},${gpu('n2', 1)}; node n1, GPUs ${gpu('n1', 0)},${gpu('n1', 1)}`]);
  });
});
