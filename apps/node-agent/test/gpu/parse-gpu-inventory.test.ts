import { describe, expect, it } from 'vitest';
import { NvidiaSmiParseError, nvlinkDomains, parseDriverVersions, parseGpuInventory, parseGpuMetrics, parseTopology, pciKey, splitLostGpus } from '../../src/gpu';
import { readFixture } from './read-fixture';

describe('parseGpuInventory', () => {
  it('reads PCI address, MIG mode and driver version of an 8× H100 node', () => {
    const gpus = parseGpuInventory(readFixture('h100x8-synthetic-inventory.csv'));
    expect(gpus).toHaveLength(8);
    expect(gpus[3]).toEqual({
      index: 3,
      uuid: 'GPU-df7e378a-e78a-738f-9e25-07cbc608eeb9',
      model: 'NVIDIA H100 80GB HBM3',
      memoryMiB: 81559,
      pciBusId: '00000000:61:00.0',
      migMode: 'Disabled',
      driverVersion: '535.129.03',
    });
  });

  it('keeps MIG enabled, and turns [N/A] MIG mode and memory into null and 0', () => {
    const gpus = parseGpuInventory(readFixture('mixed-synthetic-inventory-mig.csv'));
    expect(gpus.map((g) => [g.model, g.migMode, g.memoryMiB])).toEqual([
      ['NVIDIA A100 80GB PCIe', 'Enabled', 81920],
      ['NVIDIA A100 80GB PCIe', 'Disabled', 81920],
      ['NVIDIA L40S', null, 46068],
      ['NVIDIA GH200 480GB', null, 0],
    ]);
    expect(gpus[3]?.pciBusId).toBe('00000009:01:00.0');
  });

  it('rejects a line with a missing field or a malformed PCI address', () => {
    expect(() => parseGpuInventory('0, GPU-df7e378a-e78a-738f-9e25-07cbc608eeb9, NVIDIA H100 80GB HBM3, 81559, 00000000:61:00.0, Disabled')).toThrow(
      /expected 7 fields/,
    );
    expect(() => parseGpuInventory('0, GPU-df7e378a-e78a-738f-9e25-07cbc608eeb9, NVIDIA H100, 81559, bus-61, Disabled, 535.129.03')).toThrow(
      NvidiaSmiParseError,
    );
  });
});

describe('MIG-enabled metrics', () => {
  it('reads [N/A] utilisation of a MIG-enabled GPU as null', () => {
    const m = parseGpuMetrics(readFixture('mig-synthetic-metrics.csv'));
    expect(m.map((g) => [g.utilizationGpuPct, g.memoryUsedMiB])).toEqual([
      [null, 12845],
      [0, 4],
    ]);
  });
});

describe('parseDriverVersions', () => {
  it('reads nvidia-smi --version', () => {
    expect(parseDriverVersions(readFixture('h100x8-synthetic-version.txt'))).toEqual({ driverVersion: '535.129.03', cudaVersion: '12.2' });
  });
  it('reads the banner of plain nvidia-smi', () => {
    expect(parseDriverVersions(readFixture('h100x8-synthetic-nvidia-smi-banner.txt'))).toEqual({ driverVersion: '535.129.03', cudaVersion: '12.2' });
  });
  it('says null for what is not there', () => {
    expect(parseDriverVersions('Invalid combination of input arguments')).toEqual({ driverVersion: null, cudaVersion: null });
  });
});

describe('nvlinkDomains', () => {
  it('puts all 8 NV18-connected H100s in one domain', () => {
    const d = nvlinkDomains(parseTopology(readFixture('h100x8-synthetic-topo.txt')));
    expect([...d.values()]).toEqual(Array(8).fill('nvl0'));
  });
  it('makes one domain per NVLink-bridged pair', () => {
    const d = nvlinkDomains(parseTopology(readFixture('pcie4-nvbridge-synthetic-topo.txt')));
    expect(Object.fromEntries(d)).toEqual({ 0: 'nvl0', 1: 'nvl0', 2: 'nvl1', 3: 'nvl1' });
  });
  it('gives PCIe-only GPUs no domain', () => {
    const d = nvlinkDomains(parseTopology(readFixture('pcie4-synthetic-topo-legacy.txt')));
    expect(Object.fromEntries(d)).toEqual({ 0: null, 1: null, 2: null, 3: null });
  });
  it('joins GPUs linked only through another GPU, and leaves a lone GPU out', () => {
    const t = parseTopology('\tGPU0\tGPU1\tGPU2\tGPU3\nGPU0\t X \tSYS\tNV2\tSYS\nGPU1\tSYS\t X \tSYS\tSYS\nGPU2\tNV2\tSYS\t X \tNV4\nGPU3\tSYS\tSYS\tNV4\t X \n');
    expect(Object.fromEntries(nvlinkDomains(t))).toEqual({ 0: 'nvl0', 1: null, 2: 'nvl0', 3: 'nvl0' });
  });
});

describe('GPUs that fell off the bus', () => {
  it('splits the "GPU is lost" line from the other GPUs\' records', () => {
    const { records, lost } = splitLostGpus(readFixture('h100x8-synthetic-metrics-gpu-lost.txt'));
    expect(lost).toEqual([{ pciBusId: '0000:61:00.0', message: 'GPU is lost.  Reboot the system to recover this GPU' }]);
    expect(parseGpuMetrics(records).map((m) => m.index)).toEqual([0, 1, 2, 4, 5, 6, 7]);
  });
  it('reads the newer form without a space and with "Unknown Error"', () => {
    expect(splitLostGpus('Unable to determine the device handle for GPU0000:07:00.0: Unknown Error\n').lost).toEqual([
      { pciBusId: '0000:07:00.0', message: 'Unknown Error' },
    ]);
  });
  it('matches every spelling of a PCI address to one key', () => {
    expect(pciKey('00000000:61:00.0')).toBe('0000:61:00');
    expect(pciKey('0000:61:00.0')).toBe('0000:61:00');
    expect(pciKey('PCI:0000:61:00')).toBe('0000:61:00');
    expect(pciKey('00000000:3B:00.0')).toBe(pciKey('0000:3b:00'));
    expect(pciKey('not an address')).toBeNull();
  });
});
