import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIM_GPU_MEMORY_MIB, MAX_SIM_GPUS_PER_NODE, parseSimGpuSpec } from '../../src/gpu';

describe('parseSimGpuSpec', () => {
  it('reads one group, memory from the trailing size', () => {
    expect(parseSimGpuSpec('8xH100-80GB')).toEqual([{ count: 8, model: 'H100-80GB', memoryMiB: 81920 }]);
  });

  it('reads several groups in order, tolerating spaces', () => {
    expect(parseSimGpuSpec(' 4xH100-80GB , 2 x A100-40GB')).toEqual([
      { count: 4, model: 'H100-80GB', memoryMiB: 80 * 1024 },
      { count: 2, model: 'A100-40GB', memoryMiB: 40 * 1024 },
    ]);
  });

  it('reads a bare count as that many H100-80GB', () => {
    expect(parseSimGpuSpec(' 8 ')).toEqual([{ count: 8, model: 'H100-80GB', memoryMiB: 81920 }]);
    expect(() => parseSimGpuSpec('0')).toThrow(/spec "0": "0xH100-80GB" has count 0/);
    expect(() => parseSimGpuSpec('65')).toThrow(/has count 65/);
  });

  it('gives a model without a size 16 GiB', () => {
    expect(parseSimGpuSpec('2xL4')).toEqual([{ count: 2, model: 'L4', memoryMiB: DEFAULT_SIM_GPU_MEMORY_MIB }]);
    expect(DEFAULT_SIM_GPU_MEMORY_MIB).toBe(16384);
  });

  it('accepts exactly 64 GPUs per node', () => {
    expect(parseSimGpuSpec('32xH100-80GB,32xA100-40GB').reduce((n, g) => n + g.count, 0)).toBe(64);
  });

  it.each([
    ['', /spec "": expected e.g./],
    ['0xH100-80GB', /"0xH100-80GB" has count 0; it must be 1\.\.64/],
    ['65xH100', /"65xH100" has count 65/],
    ['40xH100-80GB,30xA100-40GB', /70 GPUs; at most 64 per node/],
    ['H100-80GB', /"H100-80GB" is not "<count>x<model>"/],
    ['4xH100-80GB,', /"" is not "<count>x<model>"/],
    ['4xH100-80GB,junk', /"junk" is not "<count>x<model>"/],
    ['4x', /"4x" is not/],
    ['4xH100/80GB', /"4xH100\/80GB" has a model name with characters/],
    ['-2xH100', /"-2xH100" is not/],
    ['2xH100-0GB', /"2xH100-0GB" has memory 0GB/],
    ['2xH100-5000GB', /has memory 5000GB/],
  ])('rejects %j naming the bad part', (spec, message) => {
    expect(() => parseSimGpuSpec(spec)).toThrow(message);
  });

  const model = fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,7}$/);
  const group = fc.record({ count: fc.integer({ min: 1, max: 8 }), model, gb: fc.option(fc.integer({ min: 1, max: 1024 }), { nil: undefined }) });

  it('round-trips any well-formed spec (property)', () => {
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 8 }), (groups) => {
        const spec = groups.map((g) => `${g.count}x${g.model}${g.gb === undefined ? '' : `-${g.gb}GB`}`).join(',');
        expect(parseSimGpuSpec(spec)).toEqual(
          groups.map((g) => ({
            count: g.count,
            model: g.gb === undefined ? g.model : `${g.model}-${g.gb}GB`,
            memoryMiB: g.gb === undefined ? DEFAULT_SIM_GPU_MEMORY_MIB : g.gb * 1024,
          })),
        );
      }),
    );
  });

  it('either returns 1..64 GPUs or throws an Error that quotes the spec, for any input (property)', () => {
    const specLike = fc.oneof(fc.string(), fc.stringMatching(/^[0-9]{1,3}x[A-Za-z0-9,x -]{0,12}$/));
    fc.assert(
      fc.property(specLike, (spec) => {
        try {
          const total = parseSimGpuSpec(spec).reduce((n, g) => n + g.count, 0);
          expect(total).toBeGreaterThanOrEqual(1);
          expect(total).toBeLessThanOrEqual(MAX_SIM_GPUS_PER_NODE);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
          expect((err as Error).message).toContain(`invalid simulated GPU spec ${JSON.stringify(spec)}`);
        }
      }),
    );
  });
});
