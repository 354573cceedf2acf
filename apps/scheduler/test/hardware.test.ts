import type { GpuHardware, NodeHardware } from '@sluice/contracts';
import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { recordHardware } from '../src/hardware';
import { registerNode } from '../src/nodes';
import { inventory } from './harness';

const t = testDbForFile();

const gpu = (i: number, domain: string | null): GpuHardware => ({
  index: i,
  uuid: `GPU-n1-${i}`,
  model: 'H100-80GB',
  memoryMiB: 81920,
  pciBusId: `00000000:1${i}:00.0`,
  migMode: 'Disabled',
  nvlinkDomain: domain,
  numaAffinity: '0',
});

const hardware = (over: Partial<NodeHardware> = {}): NodeHardware => ({
  cpu: { model: 'Intel(R) Xeon(R) Platinum 8480C', sockets: 2, cores: 112, threads: 224, numaNodes: [] },
  memory: { totalMiB: 2063856, swapMiB: 0 },
  disks: [{ name: 'nvme0n1', sizeBytes: 1920383410176, rotational: false, model: 'SAMSUNG MZ1L21T9HCLS-00A07' }],
  nics: [{ name: 'ibp24s0', mac: '00:00:10:49:fe:80', speedMbps: 400000, operstate: 'up', kind: 'infiniband', mtu: 4092 }],
  infiniband: [],
  os: { id: 'ubuntu', name: 'Ubuntu', version: '22.04', prettyName: 'Ubuntu 22.04.4 LTS' },
  kernel: { release: '5.15.0-1042-nvidia', arch: 'x86_64' },
  nvidia: { driverVersion: '535.129.03', cudaVersion: '12.2' },
  gpus: [gpu(0, 'nvl0'), gpu(1, 'nvl0')],
  ...over,
});

const events = async () =>
  (await t.db.nodeHardwareEvent.findMany({ where: { nodeName: 'n1' }, orderBy: { id: 'asc' } })).map((e) => [e.type, e.component, e.detail]);

describe('recordHardware on a real database', () => {
  it('stores the inventory and NVLink domains, and records the first report as all added', async () => {
    await registerNode(t.db, inventory('n1', 2), [], new Date());
    const changes = await recordHardware(t.db, 'n1', hardware(), new Date());
    expect(changes.every((c) => c.type === 'added')).toBe(true);
    expect(changes.map((c) => c.component)).toEqual(['cpu', 'memory', 'gpu GPU-n1-0', 'gpu GPU-n1-1', 'disk nvme0n1', 'nic ibp24s0', 'os', 'kernel', 'nvidia driver']);
    const node = await t.db.node.findUniqueOrThrow({ where: { name: 'n1' }, include: { gpus: { orderBy: { index: 'asc' } } } });
    expect(JSON.parse(node.inventory ?? '{}')).toEqual(hardware());
    expect(node.gpus.map((g) => g.nvlinkDomain)).toEqual(['nvl0', 'nvl0']);
    expect((await events())[2]).toEqual(['added', 'gpu GPU-n1-0', 'GPU 0: H100-80GB, 80 GiB at 00000000:10:00.0, MIG disabled']);
  });

  it('records a replaced disk, a removed GPU, a new NIC, a kernel update; nothing for link state or MiB noise', async () => {
    await registerNode(t.db, inventory('n1', 2), [], new Date());
    await recordHardware(t.db, 'n1', hardware(), new Date());
    const before = (await events()).length;
    const same = hardware({
      memory: { totalMiB: 2063850, swapMiB: 0 },
      nics: [{ name: 'ibp24s0', mac: '00:00:10:49:fe:80', speedMbps: null, operstate: 'down', kind: 'infiniband', mtu: 4092 }],
    });
    expect(await recordHardware(t.db, 'n1', same, new Date())).toEqual([]);
    const next = hardware({
      disks: [{ name: 'nvme0n1', sizeBytes: 3840755982336, rotational: false, model: 'SAMSUNG MZQL23T8HCLS-00A07' }],
      gpus: [gpu(0, null)],
      nics: [...same.nics, { name: 'eno3', mac: '7c:c2:55:9a:1e:40', speedMbps: 1000, operstate: 'up', kind: 'ether', mtu: 1500 }],
      kernel: { release: '5.15.0-1045-nvidia', arch: 'x86_64' },
    });
    await recordHardware(t.db, 'n1', next, new Date());
    expect((await events()).slice(before)).toEqual([
      ['changed', 'disk nvme0n1', 'SAMSUNG MZ1L21T9HCLS-00A07, 1.92 TB → SAMSUNG MZQL23T8HCLS-00A07, 3.84 TB'],
      ['added', 'nic eno3', 'ether 7c:c2:55:9a:1e:40'],
      ['changed', 'kernel', '5.15.0-1042-nvidia (x86_64) → 5.15.0-1045-nvidia (x86_64)'],
      ['removed', 'gpu GPU-n1-1', 'GPU 1: H100-80GB, 80 GiB at 00000000:11:00.0, MIG disabled'],
    ]);
    const gpus = await t.db.gpu.findMany({ where: { node: { name: 'n1' } }, orderBy: { index: 'asc' } });
    expect(gpus.map((g) => g.nvlinkDomain)).toEqual([null, 'nvl0']);
  });

  it('keeps the container runtime the node reports, and its coming and going in the history', async () => {
    await registerNode(t.db, inventory('n1', 2), [], new Date());
    await recordHardware(t.db, 'n1', hardware(), new Date());
    const runtime = async () => (await t.db.node.findUniqueOrThrow({ where: { name: 'n1' } })).containerRuntime;
    expect(await runtime()).toBeNull();
    const before = (await events()).length;
    await recordHardware(t.db, 'n1', hardware({ containers: { name: 'podman', version: '4.3.1', cdiGpuDevices: ['0', 'GPU-n1-0', 'all'] } }), new Date());
    expect(await runtime()).toBe('podman 4.3.1');
    await recordHardware(t.db, 'n1', hardware({ containers: null }), new Date());
    expect(await runtime()).toBeNull();
    expect((await events()).slice(before)).toEqual([
      ['added', 'container runtime', 'podman 4.3.1, CDI for NVIDIA GPUs'],
      ['removed', 'container runtime', 'podman 4.3.1, CDI for NVIDIA GPUs'],
    ]);
  });

  it('treats an inventory it cannot read back as no inventory', async () => {
    await registerNode(t.db, inventory('n1', 2), [], new Date());
    await t.db.node.update({ where: { name: 'n1' }, data: { inventory: '{"old":"format"}' } });
    const changes = await recordHardware(t.db, 'n1', hardware(), new Date());
    expect(changes.filter((c) => c.type !== 'added')).toEqual([]);
  });

  it('refuses hardware for a node that never said hello', async () => {
    await expect(recordHardware(t.db, 'ghost', hardware(), new Date())).rejects.toThrow(/unknown node ghost/);
  });
});
