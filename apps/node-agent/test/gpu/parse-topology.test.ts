import { describe, expect, it } from 'vitest';
import { nvlinkCount, parseTopology } from '../../src/gpu';
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
