import { describe, expect, it } from 'vitest';
import { parseGpuMetrics } from '../../src/gpu';
import { readFixture } from './read-fixture';

describe('parseGpuMetrics', () => {
  it('reads utilisation, memory, temperature, power, ECC and throttle reasons of every H100', () => {
    const m = parseGpuMetrics(readFixture('h100x8-synthetic-metrics.csv'));
    expect(m).toHaveLength(8);
    expect(m[0]).toEqual({
      index: 0,
      uuid: 'GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b',
      utilizationGpuPct: 97,
      utilizationMemoryPct: 61,
      memoryUsedMiB: 73522,
      memoryTotalMiB: 81559,
      temperatureC: 58,
      powerDrawW: 652.18,
      powerLimitW: 700,
      eccUncorrectedVolatile: 0,
      clockThrottleReasons: 0,
    });
    expect(m[2]).toMatchObject({ utilizationGpuPct: 0, memoryUsedMiB: 1, powerDrawW: 69.48, clockThrottleReasons: 1 });
    expect(m[4]?.clockThrottleReasons).toBe(4);
    expect(m[6]?.eccUncorrectedVolatile).toBe(2);
    expect(m.every((g) => g.memoryTotalMiB === 81559 && g.powerLimitW === 700)).toBe(true);
  });

  it('turns [N/A] and [Not Supported] into null, field by field (CRLF input)', () => {
    const [geforce, mig, bare] = parseGpuMetrics(readFixture('mixed-synthetic-metrics-na.csv'));
    expect(geforce).toMatchObject({ utilizationGpuPct: 3, powerDrawW: 28.51, eccUncorrectedVolatile: null, clockThrottleReasons: 1 });
    expect(mig).toMatchObject({ utilizationGpuPct: null, utilizationMemoryPct: null, memoryUsedMiB: 13, eccUncorrectedVolatile: 0, clockThrottleReasons: null });
    expect(bare).toMatchObject({
      utilizationGpuPct: null,
      memoryTotalMiB: 15360,
      temperatureC: null,
      powerDrawW: null,
      powerLimitW: null,
      eccUncorrectedVolatile: null,
      clockThrottleReasons: null,
    });
  });

  const good = '0, GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, 97, 61, 73522, 81559, 58, 652.18, 700.00, 0, 0x0000000000000000';
  it.each([
    ['a percentage above 100', good.replace(', 97,', ', 197,'), /utilization.gpu "197" is above 100/],
    ['a negative temperature', good.replace(', 58,', ', -5,'), /temperature.gpu "-5" is not a non-negative integer/],
    ['power with a unit', good.replace('652.18', '652.18 W'), /power.draw "652.18 W".*nounits/],
    ['a non-hex throttle mask', good.replace('0x0000000000000000', 'Idle'), /clocks_throttle_reasons.active "Idle" is not a hexadecimal bit mask/],
    ['an unknown driver marker', good.replace(', 58,', ', [Unknown Error],'), /temperature.gpu "\[Unknown Error\]"/],
    ['a missing field', good.replace(', 0x0000000000000000', ''), /expected 11 fields/],
    ['the inventory query', readFixture('h100x8-synthetic-query-gpu.csv'), /expected 11 fields .*got 4/],
  ])('throws a clear error on %s', (_what, input, message) => {
    expect(() => parseGpuMetrics(input)).toThrow(message);
  });
});
