import { describe, expect, it } from 'vitest';
import { parseComputeApps } from '../../src/gpu';
import { readFixture } from './read-fixture';

describe('parseComputeApps', () => {
  it('reads every process with its GPU, pid, name and memory', () => {
    expect(parseComputeApps(readFixture('h100x8-synthetic-compute-apps.csv'))).toEqual([
      { gpuUuid: 'GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b', pid: 412233, processName: '/opt/conda/bin/python3.11', usedMemoryMiB: 73512 },
      { gpuUuid: 'GPU-7976d65f-9e26-30c1-17e4-f53c7887f984', pid: 412234, processName: '/opt/conda/bin/python3.11', usedMemoryMiB: 73512 },
      { gpuUuid: 'GPU-c454f2fc-9408-e7d3-1da9-bd7a9f3b3eff', pid: 398120, processName: '/usr/local/bin/vllm', usedMemoryMiB: 40216 },
    ]);
  });

  it('returns no processes for an idle node', () => {
    expect(parseComputeApps(readFixture('synthetic-compute-apps-empty.csv'))).toEqual([]);
    expect(parseComputeApps('\r\n')).toEqual([]);
  });

  it('keeps a process path that contains commas whole', () => {
    const [app] = parseComputeApps('GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, 77, /home/ann/runs, v2/train.py, 1024\r\n');
    expect(app).toEqual({ gpuUuid: 'GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b', pid: 77, processName: '/home/ann/runs, v2/train.py', usedMemoryMiB: 1024 });
  });

  it('maps [N/A] memory to null', () => {
    expect(parseComputeApps('GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, 77, python, [N/A]')[0]?.usedMemoryMiB).toBeNull();
  });

  it.each([
    ['a non-numeric pid', 'GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, abc, python, 10', /pid "abc" is not a non-negative integer/],
    ['memory with a unit', 'GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, 7, python, 10 MiB', /used_memory "10 MiB".*nounits/],
    ['a missing UUID', ', 7, python, 10', /gpu_uuid "" is not a GPU UUID/],
    ['too few fields', 'GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, 7', /expected 4 fields/],
  ])('throws a clear error on %s', (_what, input, message) => {
    expect(() => parseComputeApps(input)).toThrow(message);
  });
});
