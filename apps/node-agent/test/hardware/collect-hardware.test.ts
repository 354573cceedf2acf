import { readdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SimulatedGpuProvider } from '../../src/gpu';
import { collectHardware } from '../../src/hardware/collect';

const fixture = fileURLToPath(new URL('../fixtures/hardware/dgx-h100-synthetic', import.meta.url));
const noGpus = { gpus: [], nvidia: null };

describe('collectHardware on the recorded GPU-server tree', () => {
  it('reads CPU sockets, cores, threads and NUMA nodes', async () => {
    const hw = await collectHardware({ root: fixture, arch: 'x86_64', gpus: noGpus });
    expect(hw.cpu).toEqual({
      model: 'Intel(R) Xeon(R) Platinum 8480C',
      sockets: 2,
      cores: 8,
      threads: 16,
      numaNodes: [
        { id: 0, cpus: '0-3,8-11', memoryMiB: 1031928 },
        { id: 1, cpus: '4-7,12-15', memoryMiB: 1031928 },
      ],
    });
    expect(hw.memory).toEqual({ totalMiB: 2063856, swapMiB: 0 });
  });

  it('lists disks in natural order with size, rotational and model; skips loop devices', async () => {
    const hw = await collectHardware({ root: fixture, gpus: noGpus });
    expect(hw.disks).toEqual([
      { name: 'md0', sizeBytes: 15002953056 * 512, rotational: false, model: null },
      { name: 'nvme0n1', sizeBytes: 1920383410176, rotational: false, model: 'SAMSUNG MZ1L21T9HCLS-00A07' },
      { name: 'nvme1n1', sizeBytes: 1920383410176, rotational: false, model: 'SAMSUNG MZ1L21T9HCLS-00A07' },
      { name: 'nvme2n1', sizeBytes: 3840755982336, rotational: false, model: 'SAMSUNG MZQL23T8HCLS-00A07' },
      { name: 'nvme10n1', sizeBytes: 3840755982336, rotational: false, model: 'SAMSUNG MZQL23T8HCLS-00A07' },
      { name: 'sda', sizeBytes: 4000787030016, rotational: true, model: 'ST4000NM0035-1V4' },
    ]);
  });

  it('lists physical NICs (not lo or docker0) and the InfiniBand/RoCE ports', async () => {
    const hw = await collectHardware({ root: fixture, gpus: noGpus });
    expect(hw.nics.map((n) => [n.name, n.kind, n.speedMbps, n.operstate, n.mtu])).toEqual([
      ['eno3', 'ether', 1000, 'up', 1500],
      ['enp170s0f0np0', 'ether', 100000, 'up', 9000],
      ['enp170s0f1np1', 'ether', null, 'down', 1500],
      ['ibp24s0', 'infiniband', 400000, 'up', 4092],
      ['ibp64s0', 'infiniband', 400000, 'up', 4092],
    ]);
    expect(hw.nics[0]?.mac).toBe('7c:c2:55:9a:1e:40');
    expect(hw.infiniband).toEqual([
      { device: 'mlx5_0', port: 1, rate: '400 Gb/sec (4X NDR)', rateGbps: 400, linkLayer: 'InfiniBand', state: 'ACTIVE', netdevs: ['ibp24s0'] },
      { device: 'mlx5_1', port: 1, rate: '400 Gb/sec (4X NDR)', rateGbps: 400, linkLayer: 'InfiniBand', state: 'ACTIVE', netdevs: ['ibp64s0'] },
      { device: 'mlx5_4', port: 1, rate: '100 Gb/sec (2X HDR)', rateGbps: 100, linkLayer: 'Ethernet', state: 'ACTIVE', netdevs: ['enp170s0f0np0'] },
      { device: 'mlx5_5', port: 1, rate: '40 Gb/sec (4X QDR)', rateGbps: 40, linkLayer: 'Ethernet', state: 'DOWN', netdevs: ['enp170s0f1np1'] },
    ]);
  });

  it('reads OS and kernel, and carries the GPU report through', async () => {
    const gpus = await new SimulatedGpuProvider('n1', '2xH100-80GB').hardware();
    const hw = await collectHardware({ root: fixture, arch: 'x86_64', gpus });
    expect(hw.os).toEqual({ id: 'ubuntu', name: 'Ubuntu', version: '22.04', prettyName: 'Ubuntu 22.04.4 LTS' });
    expect(hw.kernel).toEqual({ release: '5.15.0-1042-nvidia', arch: 'x86_64' });
    expect(hw.gpus.map((g) => g.pciBusId)).toEqual(['00000000:18:00.0', '00000000:19:00.0']);
    expect(hw.nvidia).toBeNull();
  });

  it('gives an empty inventory, not an error, for a root with nothing in it', async () => {
    const hw = await collectHardware({ root: '/nonexistent-root', arch: 'x86_64', gpus: noGpus });
    expect(hw.cpu).toEqual({ model: 'unknown', sockets: 0, cores: 0, threads: 0, numaNodes: [] });
    expect([hw.disks, hw.nics, hw.infiniband, hw.memory.totalMiB]).toEqual([[], [], [], 0]);
  });
});

describe('collectHardware on this machine', () => {
  it('agrees with what Node.js sees of CPUs, memory, kernel and NICs', async () => {
    const hw = await collectHardware({ gpus: noGpus });
    expect(hw.cpu.threads).toBe(os.cpus().length);
    expect(hw.cpu.cores).toBeGreaterThanOrEqual(1);
    expect(hw.cpu.cores).toBeLessThanOrEqual(hw.cpu.threads);
    expect(hw.cpu.sockets).toBeGreaterThanOrEqual(1);
    expect(hw.cpu.model).toBe(os.cpus()[0]?.model.trim());
    expect(Math.abs(hw.memory.totalMiB - Math.floor(os.totalmem() / 2 ** 20))).toBeLessThanOrEqual(1);
    expect(hw.kernel).toEqual({ release: os.release(), arch: os.machine() });
    expect(hw.os.prettyName).not.toBe('');
    for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
      const nic = hw.nics.find((n) => n.name === name);
      if (nic && addrs?.[0]) expect(nic.mac).toBe(addrs[0].mac);
    }
    expect(hw.nics.some((n) => n.name === 'lo')).toBe(false);
    const blockDevices = readdirSync('/sys/block').filter((d) => !/^(loop|ram|zram)\d+$/.test(d));
    expect(hw.disks.map((d) => d.name).sort()).toEqual(blockDevices.sort());
    for (const d of hw.disks) expect(d.sizeBytes).toBeGreaterThanOrEqual(0);
    const numaCpus = hw.cpu.numaNodes.length;
    if (numaCpus > 0) expect(hw.cpu.numaNodes[0]?.memoryMiB).toBeGreaterThan(0);
  });
});
