import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KernelLogXidWatcher, NvidiaSmiProvider, SIM_FAULTS_FILE, SIM_KERNEL_LOG_FILE, SimulatedGpuProvider } from '../../src/gpu';
import { DRIVER_DOWN, type FakeNvidiaSmi, writeFakeNvidiaSmi } from './fake-nvidia-smi';
import { fixturePath, readFixture } from './read-fixture';

const H100_6 = 'GPU-23342990-dd60-079f-1763-c74e190fe6a1';

describe('NvidiaSmiProvider hardware and health', () => {
  let fake: FakeNvidiaSmi | undefined;
  let dir = '';
  afterEach(() => {
    fake?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports inventory with NVLink domain, NUMA node, driver and CUDA version', async () => {
    fake = writeFakeNvidiaSmi();
    const hw = await new NvidiaSmiProvider(fake.path).hardware();
    expect(hw.nvidia).toEqual({ driverVersion: '535.129.03', cudaVersion: '12.2' });
    expect(hw.gpus[5]).toEqual({
      index: 5,
      uuid: 'GPU-8852f7f3-92b5-2bfa-0466-f13b2ad112cb',
      model: 'NVIDIA H100 80GB HBM3',
      memoryMiB: 81559,
      pciBusId: '00000000:C3:00.0',
      migMode: 'Disabled',
      nvlinkDomain: 'nvl0',
      numaAffinity: '1',
    });
  });

  it('samples metrics with per-process memory; ECC errors and fatal XIDs are problems, XID 13 is not', async () => {
    fake = writeFakeNvidiaSmi();
    dir = mkdtempSync(join(tmpdir(), 'sluice-health-'));
    const log = join(dir, 'kern.log');
    writeFileSync(log, readFixture('synthetic-dmesg-xid.txt'));
    const p = new NvidiaSmiProvider(fake.path, undefined, new KernelLogXidWatcher(log, null));
    await p.hardware();
    const s = await p.sample();
    expect(s.gpus).toHaveLength(8);
    expect(s.gpus[0]).toMatchObject({ utilizationPct: 97, memoryUsedMiB: 73522, temperatureC: 58, powerDrawW: 652.18, processes: [{ pid: 412233, usedMemoryMiB: 73512 }] });
    expect(s.problems).toEqual([
      { kind: 'ecc-uncorrected', index: 6, uuid: H100_6, message: 'uncorrected ECC errors (2)' },
      { kind: 'xid', index: 1, uuid: 'GPU-7976d65f-9e26-30c1-17e4-f53c7887f984', xid: 79, message: expect.stringMatching(/^XID 79 .*fallen off the bus/) },
      { kind: 'xid', index: 6, uuid: H100_6, xid: 48, message: expect.stringMatching(/^XID 48 .*double bit error/) },
    ]);
    expect((await p.sample()).problems.map((x) => x.kind)).toEqual(['ecc-uncorrected']);
  });

  it('reports a GPU that fell off the bus while the others still answer (nvidia-smi exits 15)', async () => {
    fake = writeFakeNvidiaSmi(`case "$*" in
  *pci.bus_id*) cat '${fixturePath('h100x8-synthetic-inventory.csv')}' ;;
  "--query-gpu=index,uuid,utilization.gpu,"*) cat '${fixturePath('h100x8-synthetic-metrics-gpu-lost.txt')}'; exit 15 ;;
  *) exit 2 ;;
esac`);
    const p = new NvidiaSmiProvider(fake.path);
    await p.hardware();
    const s = await p.sample();
    expect(s.gpus.map((g) => g.index)).toEqual([0, 1, 2, 4, 5, 6, 7]);
    expect(s.problems.filter((x) => x.kind !== 'ecc-uncorrected')).toEqual([
      { kind: 'lost', index: 3, uuid: 'GPU-df7e378a-e78a-738f-9e25-07cbc608eeb9', message: 'fell off the bus (0000:61:00.0): GPU is lost.  Reboot the system to recover this GPU' },
    ]);
  });

  it('reports a GPU that vanished from the list, and a driver that stopped answering', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-health-'));
    const gone = join(dir, 'gpu7-gone');
    fake = writeFakeNvidiaSmi(`case "$*" in
  *pci.bus_id*) cat '${fixturePath('h100x8-synthetic-inventory.csv')}' ;;
  "--query-gpu=index,uuid,utilization.gpu,"*) if [ -e '${gone}' ]; then head -n 7 '${fixturePath('h100x8-synthetic-metrics.csv')}'; else cat '${fixturePath('h100x8-synthetic-metrics.csv')}'; fi ;;
  *) exit 2 ;;
esac`);
    const p = new NvidiaSmiProvider(fake.path);
    await p.hardware();
    expect((await p.sample()).problems.filter((x) => x.kind === 'missing')).toEqual([]);
    writeFileSync(gone, '');
    expect((await p.sample()).problems.filter((x) => x.kind === 'missing')).toEqual([
      { kind: 'missing', index: 7, uuid: 'GPU-f9d20edb-cf29-aeb1-d00b-19716d5872c6', message: 'no longer listed by nvidia-smi' },
    ]);
    fake.remove();
    fake = writeFakeNvidiaSmi(DRIVER_DOWN);
    const down = await new NvidiaSmiProvider(fake.path).sample();
    expect(down.gpus).toEqual([]);
    expect(down.problems).toEqual([{ kind: 'smi-failed', index: null, uuid: null, message: expect.stringMatching(/exit code 9: NVIDIA-SMI has failed/) }]);
  });
});

describe('SimulatedGpuProvider faults', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is healthy until the faults file or the simulated kernel log says otherwise', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-simfault-'));
    const p = new SimulatedGpuProvider('n1', '4xH100-80GB', dir);
    const healthy = await p.sample();
    expect(healthy.problems).toEqual([]);
    expect(healthy.gpus.map((g) => g.memoryTotalMiB)).toEqual([81920, 81920, 81920, 81920]);
    const [, g1, , g3] = await p.list();
    writeFileSync(join(dir, SIM_FAULTS_FILE), '# injected\n3 ecc 4\n1 lost\n');
    writeFileSync(join(dir, SIM_KERNEL_LOG_FILE), '[ 10.5] NVRM: Xid (PCI:0000:1a:00): 94, pid=7, name=python, Contained ECC error.\n');
    const s = await p.sample();
    expect(s.gpus.map((g) => g.index)).toEqual([0, 2, 3]);
    expect(s.problems).toEqual([
      { kind: 'ecc-uncorrected', index: 3, uuid: g3?.uuid, message: 'uncorrected ECC errors (4)' },
      { kind: 'lost', index: 1, uuid: g1?.uuid, message: 'fell off the bus (0000:19:00.0): GPU is lost.  Reboot the system to recover this GPU' },
      { kind: 'xid', index: 2, uuid: expect.any(String), xid: 94, message: 'XID 94 (PCI 0000:1a:00): pid=7, name=python, Contained ECC error.' },
    ]);
  });

  it('rejects a faults file it cannot read, naming the line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-simfault-'));
    writeFileSync(join(dir, SIM_FAULTS_FILE), '2 on fire\n');
    await expect(new SimulatedGpuProvider('n1', '4xH100-80GB', dir).sample()).rejects.toThrow(/sim-gpu-faults line 1: "2 on fire"/);
  });
});
