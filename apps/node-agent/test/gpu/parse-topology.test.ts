import { describe, expect, it } from 'vitest';
import { nvlinkCount, nvlinkDomains, parseTopology } from '../../src/gpu';
import { readFixture } from './read-fixture';

describe('parseTopology', () => {
  const h100 = readFixture('h100x8-synthetic-topo.txt');

  it('reads the all-NV18 matrix of an 8× H100 SXM node', () => {
    const t = parseTopology(h100);
    expect(t.gpus).toEqual(['GPU0', 'GPU1', 'GPU2', 'GPU3', 'GPU4', 'GPU5', 'GPU6', 'GPU7']);
    expect(t.gpuLinks).toHaveLength(8);
    expect(t.gpuLinks).toEqual(t.gpus.map((_, i) => t.gpus.map((_, j) => (i === j ? 'X' : 'NV18'))));
    expect(nvlinkCount(t.gpuLinks[0]?.[1] ?? '')).toBe(18);
  });

  it('reads GPU-to-NIC links and the NIC legend', () => {
    const t = parseTopology(h100);
    expect(t.nics).toEqual(['NIC0', 'NIC1', 'NIC2', 'NIC3']);
    expect(t.nicNames).toEqual({ NIC0: 'mlx5_0', NIC1: 'mlx5_1', NIC2: 'mlx5_2', NIC3: 'mlx5_3' });
    expect(t.gpuNicLinks[0]).toEqual(['PIX', 'NODE', 'SYS', 'SYS']);
    expect(t.gpuNicLinks[7]).toEqual(['SYS', 'SYS', 'NODE', 'PIX']);
  });

  it('reads CPU and NUMA affinity despite the empty cell before GPU NUMA ID', () => {
    const t = parseTopology(h100);
    expect(t.affinity[0]).toEqual({ cpuAffinity: '0-47,96-143', numaAffinity: '0', gpuNumaId: null });
    expect(t.affinity[7]).toEqual({ cpuAffinity: '48-95,144-191', numaAffinity: '1', gpuNumaId: null });
  });

  it('reads an older PCIe-only layout: device-named NIC column, no GPU NUMA ID, no NIC legend', () => {
    const t = parseTopology(readFixture('pcie4-synthetic-topo-legacy.txt'));
    expect(t.gpus).toHaveLength(4);
    expect(t.nics).toEqual(['mlx5_0']);
    expect(t.nicNames).toEqual({});
    expect(t.gpuLinks[0]).toEqual(['X', 'PIX', 'SYS', 'SYS']);
    expect(t.gpuLinks[3]).toEqual(['SYS', 'SYS', 'PIX', 'X']);
    expect(t.gpuNicLinks.map((r) => r[0])).toEqual(['PHB', 'PHB', 'SYS', 'SYS']);
    expect(t.affinity[2]).toEqual({ cpuAffinity: '16-31,48-63', numaAffinity: '1', gpuNumaId: null });
    expect(nvlinkCount('PIX')).toBe(0);
  });

  it('gives the same answer for CRLF line ends and an ANSI-underlined header', () => {
    const esc = String.fromCharCode(27);
    const [header, ...rest] = h100.split('\n');
    const tty = [`${esc}[4m${header}${esc}[0m`, ...rest].join('\r\n');
    expect(parseTopology(tty)).toEqual(parseTopology(h100));
  });

  it('reads a matrix without NICs or affinity columns, and legacy SOC links', () => {
    const t = parseTopology('\tGPU0\tGPU1\nGPU0\t X \tSOC\nGPU1\tSOC\t X \n');
    expect(t.gpuLinks).toEqual([['X', 'SOC'], ['SOC', 'X']]);
    expect(t.affinity).toEqual([
      { cpuAffinity: null, numaAffinity: null, gpuNumaId: null },
      { cpuAffinity: null, numaAffinity: null, gpuNumaId: null },
    ]);
  });

  it.each([
    ['empty output', '\n\n', /empty output/],
    ['space-separated output', '        GPU0    GPU1\nGPU0     X      NV18\n', /not tab-separated/],
    ['an unknown link', '\tGPU0\tGPU1\nGPU0\t X \tNV?\nGPU1\tNV18\t X \n', /line 2: unknown link "NV\?" from GPU0 to GPU1/],
    ['a wrong diagonal', '\tGPU0\tGPU1\nGPU0\tNV18\tNV18\nGPU1\tNV18\t X \n', /GPU0 does not link to itself as X/],
    ['a missing GPU row', '\tGPU0\tGPU1\nGPU0\t X \tNV18\n', /no row for GPU1/],
    ['a short row', '\tGPU0\tGPU1\nGPU0\t X \n', /1 link cells, expected 2/],
    ['a row for an unknown device', '\tGPU0\nGPU0\t X \nGPU9\t X \n', /row "GPU9" is not one of/],
    ['no GPU columns', '\tNIC0\nNIC0\t X \n', /no GPU columns/],
    ['a bad CPU affinity', '\tGPU0\tCPU Affinity\nGPU0\t X \tall\n', /CPU Affinity "all"/],
    ['too many affinity cells', '\tGPU0\tCPU Affinity\nGPU0\t X \t0-3\t0\t1\n', /3 affinity cells for 1 columns/],
    ['the CSV inventory', readFixture('h100x8-synthetic-query-gpu.csv'), /not tab-separated/],
  ])('throws a clear error on %s', (_what, input, message) => {
    expect(() => parseTopology(input)).toThrow(message);
  });
});

describe('parseTopology on recorded output', () => {
  const allNv18 = (n: number) => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 'X' : 'NV18')));

  it('reads an 8× H100 SXM VM behind NVSwitch: no NICs, one NUMA node, one NVLink domain', () => {
    const t = parseTopology(readFixture('h100x8-vm-recorded-topo.txt'));
    expect(t.gpus).toEqual(['GPU0', 'GPU1', 'GPU2', 'GPU3', 'GPU4', 'GPU5', 'GPU6', 'GPU7']);
    expect(t.nics).toEqual([]);
    expect(t.gpuLinks).toEqual(allNv18(8));
    expect(new Set(t.affinity.map((a) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify({ cpuAffinity: '0-63', numaAffinity: '0', gpuNumaId: null })]));
    expect([...nvlinkDomains(t).values()]).toEqual(Array(8).fill('nvl0'));
  });

  it('matches that VM\'s nvidia-smi -L row for row', () => {
    const listed = readFixture('h100x8-vm-recorded-list.txt').trim().split('\n');
    expect(listed.map((l) => /^GPU (\d+): NVIDIA H100 80GB HBM3 \(UUID: GPU-[0-9a-f-]{36}\)$/.exec(l)?.[1])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(listed[7]).toContain('GPU-5534d557-2a95-300a-81e6-7b626d87378a');
    expect(parseTopology(readFixture('h100x8-vm-recorded-topo.txt')).gpus).toEqual(listed.map((l) => l.replace(/^GPU (\d+):.*$/, 'GPU$1')));
  });

  it('reads an 8× H200 HGX node with 12 NICs over two NUMA nodes', () => {
    const t = parseTopology(readFixture('h200x8-recorded-topo.txt'));
    expect(t.gpuLinks).toEqual(allNv18(8));
    expect(t.nics).toHaveLength(12);
    expect(t.nicNames.NIC0).toBe('mlx5_0');
    expect(t.nicNames.NIC11).toBe('mlx5_11');
    expect(t.gpuNicLinks[0]).toEqual(['PXB', 'NODE', 'NODE', 'NODE', 'NODE', 'NODE', 'SYS', 'SYS', 'SYS', 'SYS', 'SYS', 'SYS']);
    expect(t.gpuNicLinks[5]).toEqual(['SYS', 'SYS', 'SYS', 'SYS', 'SYS', 'SYS', 'NODE', 'NODE', 'NODE', 'PXB', 'NODE', 'NODE']);
    // One PXB NIC per GPU; the PIX pairs NIC1/NIC2 and NIC7/NIC8 sit next to no GPU.
    expect(t.gpuNicLinks.map((row) => t.nics[row.indexOf('PXB')])).toEqual(['NIC0', 'NIC3', 'NIC4', 'NIC5', 'NIC6', 'NIC9', 'NIC10', 'NIC11']);
    expect(t.affinity[3]).toEqual({ cpuAffinity: '0-55,112-167', numaAffinity: '0', gpuNumaId: null });
    expect(t.affinity[4]).toEqual({ cpuAffinity: '56-111,168-223', numaAffinity: '1', gpuNumaId: null });
  });

  it('reads a single H100 whose header nvidia-smi underlined with ANSI escapes', () => {
    const recorded = readFixture('h100x1-recorded-topo.txt');
    expect(recorded).toContain(`${String.fromCharCode(27)}[4mGPU0`);
    const t = parseTopology(recorded);
    expect(t.gpus).toEqual(['GPU0']);
    expect(t.gpuLinks).toEqual([['X']]);
    expect(t.affinity).toEqual([{ cpuAffinity: '0-19', numaAffinity: '0', gpuNumaId: null }]);
    expect(nvlinkDomains(t).get(0)).toBeNull();
  });
});
