import { GpuInfo } from '@sluice/contracts';
import { describe, expect, it } from 'vitest';
import { parseGpuQuery } from '../../src/gpu';
import { readFixture } from './read-fixture';

describe('parseGpuQuery', () => {
  const csv = readFixture('h100x8-synthetic-query-gpu.csv');

  it('reads the 8 H100s of the fixture with their UUIDs, model and memory', () => {
    const gpus = parseGpuQuery(csv);
    expect(gpus).toHaveLength(8);
    expect(gpus[0]).toEqual({ index: 0, uuid: 'GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b', model: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559 });
    expect(gpus[7]).toEqual({ index: 7, uuid: 'GPU-f9d20edb-cf29-aeb1-d00b-19716d5872c6', model: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559 });
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const g of gpus) expect(GpuInfo.parse(g)).toEqual(g);
  });

  it('agrees with nvidia-smi -L on every UUID and name', () => {
    const listed = readFixture('h100x8-synthetic-list.txt')
      .trim()
      .split('\n')
      .map((l) => /^GPU (\d+): (.+) \(UUID: (GPU-[0-9a-f-]+)\)$/.exec(l));
    const gpus = parseGpuQuery(csv);
    expect(listed.map((m) => m && { index: Number(m[1]), model: m[2], uuid: m[3] })).toEqual(
      gpus.map(({ index, model, uuid }) => ({ index, model, uuid })),
    );
  });

  it('tolerates CRLF, extra spaces, blank lines and unordered rows, and sorts by index', () => {
    const messy = '\r\n 1 ,  GPU-7976d65f-9e26-30c1-17e4-f53c7887f984 ,NVIDIA H100 80GB HBM3,81559  \r\n\r\n0, GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, NVIDIA H100 80GB HBM3, 81559\r\n\r\n';
    expect(parseGpuQuery(messy).map((g) => [g.index, g.uuid.slice(0, 12), g.memoryMiB])).toEqual([
      [0, 'GPU-cfe267fb', 81559],
      [1, 'GPU-7976d65f', 81559],
    ]);
  });

  it('returns no GPUs for empty output', () => {
    expect(parseGpuQuery('')).toEqual([]);
    expect(parseGpuQuery('\n\n')).toEqual([]);
  });

  it('lists a unified-memory GPU whose memory.total is [N/A] with 0 MiB', () => {
    expect(parseGpuQuery('0, GPU-0a1b2c3d-0000-1111-2222-333344445555, NVIDIA GB10, [N/A]')[0]?.memoryMiB).toBe(0);
  });

  it.each([
    ['a header line', 'index, uuid, name, memory.total [MiB]\n0, GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, NVIDIA H100 80GB HBM3, 81559', /line 1: index "index".*header/],
    ['units', '0, GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, NVIDIA H100 80GB HBM3, 81559 MiB', /memory.total "81559 MiB".*nounits/],
    ['too few fields', '0, GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, NVIDIA H100 80GB HBM3', /expected 4 fields .*got 3/],
    ['the metrics query', readFixture('h100x8-synthetic-metrics.csv'), /expected 4 fields .*got 11/],
    ['a bad UUID', '0, 621e76b7, NVIDIA H100 80GB HBM3, 81559', /uuid "621e76b7" is not a GPU UUID/],
    ['an empty name', '0, GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, , 81559', /name "" is empty/],
    ['a driver error message', 'NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.', /line 1: expected 4 fields/],
    ['a duplicate index', '0, GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, A, 1\n0, GPU-7976d65f-9e26-30c1-17e4-f53c7887f984, A, 1', /index "0" appears twice/],
    ['a duplicate UUID', '0, GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, A, 1\n1, GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, A, 1', /uuid .* appears twice/],
  ])('throws a clear error on %s', (_what, input, message) => {
    expect(() => parseGpuQuery(input)).toThrow(message);
  });
});
