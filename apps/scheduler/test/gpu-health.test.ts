import type { GpuReport } from '@sluice/contracts';
import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { gpuMetricsKey, recordGpuReport } from '../src/gpu-health';
import { setup } from './harness';

const t = testDbForFile();

const sample = (i: number, ecc = 0) => ({
  index: i,
  uuid: `GPU-n1-${i}`,
  utilizationPct: 0,
  memoryUsedMiB: 0,
  memoryTotalMiB: 81920,
  temperatureC: 30,
  powerDrawW: 70,
  eccUncorrected: ecc,
  processes: [],
});
const report = (over: Partial<GpuReport> = {}): GpuReport => ({ at: '2026-11-23T10:00:00.000Z', gpus: [sample(0), sample(1)], problems: [], ...over });
const ecc = { kind: 'ecc-uncorrected' as const, index: 1, uuid: 'GPU-n1-1', message: 'uncorrected ECC errors (2)' };

describe('GPU health drains the node (real database, fake clock)', () => {
  it('publishes healthy metrics and keeps scheduling on the node', async () => {
    const { clock } = await setup(t.db, { n1: 2 });
    expect(await recordGpuReport(t.db, 'n1', report(), new Date(clock.now()))).toBeNull();
    const state = await t.db.schedulerState.findUniqueOrThrow({ where: { key: gpuMetricsKey('n1') } });
    expect(JSON.parse(state.value)).toEqual(report());
    expect((await t.db.node.findUniqueOrThrow({ where: { name: 'n1' } })).state).toBe('UP');
  });

  it('drains on an unhealthy GPU, so a pending job no longer starts there; undrained, it starts', async () => {
    const { clock, daemon, sender, submit } = await setup(t.db, { n1: 2 });
    const reason = await recordGpuReport(t.db, 'n1', report({ gpus: [sample(0), sample(1, 2)], problems: [ecc] }), new Date(clock.now()));
    expect(reason).toBe('GPU 1 (GPU-n1-1): uncorrected ECC errors (2)');
    expect(await t.db.node.findUniqueOrThrow({ where: { name: 'n1' } })).toMatchObject({ state: 'DRAIN', drainReason: reason });
    const job = await submit(1);
    await daemon.runOnce();
    expect(sender.take()).toEqual([]);
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).reason).toBe('NodeDown');
    // Still broken: stays drained, the fault is recorded once.
    expect(await recordGpuReport(t.db, 'n1', report({ problems: [ecc] }), new Date(clock.now()))).toBeNull();
    const faults = await t.db.nodeHardwareEvent.findMany({ where: { nodeName: 'n1', type: 'fault' } });
    expect(faults.map((f) => [f.component, f.detail])).toEqual([['gpu GPU-n1-1', reason]]);
    // An admin undrains after the repair; healthy reports keep it up and the job starts.
    await t.db.node.update({ where: { name: 'n1' }, data: { state: 'UP', drainReason: null } });
    expect(await recordGpuReport(t.db, 'n1', report(), new Date(clock.now()))).toBeNull();
    await daemon.runOnce();
    expect(sender.take().map((s) => s.body.type)).toEqual(['launch']);
  });

  it('names every problem and the driver as a whole, and records each XID even while drained', async () => {
    const { clock } = await setup(t.db, { n1: 2 });
    const xid = { kind: 'xid' as const, index: 0, uuid: 'GPU-n1-0', xid: 79, message: 'XID 79 (PCI 0000:10:00): GPU has fallen off the bus.' };
    const smi = { kind: 'smi-failed' as const, index: null, uuid: null, message: 'nvidia-smi failed: exit code 9' };
    const reason = await recordGpuReport(t.db, 'n1', report({ problems: [smi, ecc] }), new Date(clock.now()));
    expect(reason).toBe('GPU driver: nvidia-smi failed: exit code 9 (and 1 more GPU problems)');
    await recordGpuReport(t.db, 'n1', report({ problems: [xid] }), new Date(clock.now()));
    const faults = await t.db.nodeHardwareEvent.findMany({ where: { nodeName: 'n1', type: 'fault' }, orderBy: { id: 'asc' } });
    expect(faults.map((f) => f.component)).toEqual(['gpu driver', 'gpu GPU-n1-1', 'gpu GPU-n1-0']);
    expect((await t.db.node.findUniqueOrThrow({ where: { name: 'n1' } })).drainReason).toBe(reason);
  });
});
