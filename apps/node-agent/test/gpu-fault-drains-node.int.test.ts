import { appendFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { NodeHardware } from '@sluice/contracts';
import { createTestDb } from '@sluice/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_FAULTS_FILE, SIM_KERNEL_LOG_FILE, simulatedGpuUuid } from '../src/gpu';
import { type Daemons, eventually, startDaemons } from './appliance-processes';

const NODE = 'fault-node';
let t: Awaited<ReturnType<typeof createTestDb>>;
let d: Daemons;
let stateDir: string;

beforeAll(async () => {
  t = await createTestDb();
  stateDir = join(t.dataDir, 'nodes', NODE);
  d = await startDaemons({ dataDir: t.dataDir, databaseUrl: t.databaseUrl, gpus: '2xTEST-16GB', nodeName: NODE, env: { SLUICE_HEARTBEAT_SEC: '1' } });
  // The scheduler marks the node UP before it stores the hardware the hello carried.
  await eventually(async () => {
    const n = await t.db.node.findUnique({ where: { name: NODE } });
    return n?.state === 'UP' && n.inventory !== null;
  }, 'node to join');
});

afterAll(async () => {
  await d?.stop();
  await t?.cleanup();
});

describe('GPU health, real scheduler and agent processes with simulated GPUs', () => {
  it('sends the hardware inventory on join and publishes GPU metrics with heartbeats', async () => {
    const node = await t.db.node.findUniqueOrThrow({ where: { name: NODE } });
    const hw = NodeHardware.parse(JSON.parse(node.inventory ?? 'null'));
    expect(hw.cpu.threads).toBe(os.cpus().length);
    expect(hw.kernel.release).toBe(os.release());
    expect(hw.gpus.map((g) => g.uuid)).toEqual([simulatedGpuUuid(NODE, 0), simulatedGpuUuid(NODE, 1)]);
    const added = await t.db.nodeHardwareEvent.findMany({ where: { nodeName: NODE, type: 'added' } });
    expect(added.map((e) => e.component)).toEqual(expect.arrayContaining(['cpu', 'memory', `gpu ${simulatedGpuUuid(NODE, 1)}`, 'kernel']));
    const metrics = await eventually(() => t.db.schedulerState.findUnique({ where: { key: `gpu-metrics:${NODE}` } }), 'GPU metrics');
    expect(JSON.parse(metrics.value)).toMatchObject({ gpus: [{ index: 0, memoryTotalMiB: 16384 }, { index: 1 }], problems: [] });
  });

  it('drains the node when a GPU reports uncorrected ECC errors, and records a fatal XID', async () => {
    writeFileSync(join(stateDir, SIM_FAULTS_FILE), '1 ecc 3\n');
    const drained = await eventually(async () => {
      const n = await t.db.node.findUniqueOrThrow({ where: { name: NODE } });
      return n.state === 'DRAIN' && n;
    }, 'node to drain', 20_000);
    expect(drained.drainReason).toBe(`GPU 1 (${simulatedGpuUuid(NODE, 1)}): uncorrected ECC errors (3)`);

    appendFileSync(join(stateDir, SIM_KERNEL_LOG_FILE), "[ 812.331] NVRM: Xid (PCI:0000:18:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.\n");
    const xid = await eventually(() => t.db.nodeHardwareEvent.findFirst({ where: { nodeName: NODE, type: 'fault', detail: { contains: 'XID 79' } } }), 'XID fault event', 20_000);
    expect(xid.component).toBe(`gpu ${simulatedGpuUuid(NODE, 0)}`);
  });
});
