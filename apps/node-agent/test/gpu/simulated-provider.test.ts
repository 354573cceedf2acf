import { GpuInfo } from '@sluice/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedGpuProvider, simulatedGpuUuid } from '../../src/gpu';

const UUID = /^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('SimulatedGpuProvider', () => {
  it('lists the spec in order with consecutive indexes and valid GpuInfo', async () => {
    const p = new SimulatedGpuProvider('node-a', '2xH100-80GB,1xL4');
    expect(p.source).toBe('simulated');
    const gpus = await p.list();
    expect(gpus.map((g) => [g.index, g.model, g.memoryMiB])).toEqual([
      [0, 'H100-80GB', 81920],
      [1, 'H100-80GB', 81920],
      [2, 'L4', 16384],
    ]);
    for (const g of gpus) {
      expect(GpuInfo.parse(g)).toEqual(g);
      expect(g.uuid).toMatch(UUID);
    }
  });

  it('derives UUIDs from sha256("<node>:<index>"), so they are stable across restarts', async () => {
    // printf 'node-a:0' | sha256sum → e9d2a0260fbcc3cb7f6c2d640b1e97da8638b21c…; pinned so a change of scheme is caught.
    expect(simulatedGpuUuid('node-a', 0)).toBe('GPU-e9d2a026-0fbc-c3cb-7f6c-2d640b1e97da');
    const first = await new SimulatedGpuProvider('node-a', '8xH100-80GB').list();
    const again = await new SimulatedGpuProvider('node-a', '8xH100-80GB').list();
    expect(again).toEqual(first);
    expect(new Set(first.map((g) => g.uuid)).size).toBe(8);
  });

  it('gives different nodes different UUIDs (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 63 }), (a, b, i) => {
        fc.pre(a !== b);
        expect(simulatedGpuUuid(a, i)).not.toBe(simulatedGpuUuid(b, i));
        expect(simulatedGpuUuid(a, i)).toMatch(UUID);
      }),
    );
  });

  it('hands out copies, so callers cannot change its inventory', async () => {
    const p = new SimulatedGpuProvider('node-a', '1xA100-40GB');
    const [g] = await p.list();
    if (g) g.memoryMiB = 1;
    expect((await p.list())[0]?.memoryMiB).toBe(40960);
  });

  it('rejects a bad spec or an empty node name at construction', () => {
    expect(() => new SimulatedGpuProvider('node-a', '0xH100')).toThrow(/"0xH100" has count 0/);
    expect(() => new SimulatedGpuProvider('', '1xH100')).toThrow(/needs a node name/);
  });
});
