import { describe, expect, it } from 'vitest';
import {
  COMPUTE_APPS_FIELDS,
  GPU_INVENTORY_FIELDS,
  GPU_METRICS_FIELDS,
  GPU_QUERY_FIELDS,
  parseComputeApps,
  parseDriverVersions,
  parseGpuInventory,
  parseGpuMetrics,
  parseGpuQuery,
} from '../../src/gpu';
import { csvLines, fieldReader } from '../../src/gpu/nvidia-smi-csv';
import { readFixture } from './read-fixture';
import { projectRecordedCsv } from './recorded-csv';

// Recorded on real H100 / H200 / L40S machines (see the fixtures README). The captures name two
// of the agent's fields by their current names; the recorded --help-query-gpu lists both names.
const ALIASES = { 'clocks_throttle_reasons.active': 'clocks_event_reasons.active', used_memory: 'used_gpu_memory' };
const project = (fixture: string, fields: readonly string[]) => projectRecordedCsv(readFixture(fixture), fields, { aliases: ALIASES });
// The capture tool replaces real UUIDs with this placeholder before publishing.
const MASKED_UUID = 'GPU-00000000-0000-0000-0000-000000000000';

describe('metrics of a real H100 80GB HBM3 (driver 590.48.01)', () => {
  it('reads the idle sample', () => {
    expect(parseGpuMetrics(project('h100x1-recorded-query-gpu-idle.csv', GPU_METRICS_FIELDS))).toEqual([
      {
        index: 0,
        uuid: MASKED_UUID,
        utilizationGpuPct: 0,
        utilizationMemoryPct: 0,
        memoryUsedMiB: 0,
        memoryTotalMiB: 81559,
        temperatureC: 41,
        powerDrawW: 69.85,
        powerLimitW: 700,
        eccUncorrectedVolatile: 0,
        clockThrottleReasons: 0x1, // GPU idle
      },
    ]);
  });

  it('reads the sample under gpu-burn', () => {
    const [m] = parseGpuMetrics(project('h100x1-recorded-query-gpu-load.csv', GPU_METRICS_FIELDS));
    expect(m).toMatchObject({ utilizationGpuPct: 100, utilizationMemoryPct: 11, memoryUsedMiB: 19818, temperatureC: 59, powerDrawW: 631.95 });
    expect(m?.clockThrottleReasons).toBe(0);
  });

  it('reads [N/A] utilisation of the same GPU with MIG enabled as null, and keeps the rest', () => {
    const [m] = parseGpuMetrics(project('h100x1-mig-recorded-query-gpu-load.csv', GPU_METRICS_FIELDS));
    expect(m).toMatchObject({ utilizationGpuPct: null, utilizationMemoryPct: null, memoryUsedMiB: 11125, memoryTotalMiB: 81559, powerDrawW: 433.78 });
  });

  it('reads the other datacenter parts: H200 141 GB and L40S', () => {
    const h200 = parseGpuMetrics(project('h200x1-recorded-query-gpu-load.csv', GPU_METRICS_FIELDS));
    expect(h200.map((m) => [m.utilizationGpuPct, m.memoryUsedMiB, m.memoryTotalMiB, m.powerDrawW])).toEqual([[100, 32362, 143771, 627.4]]);
    const l40s = parseGpuMetrics(project('l40sx1-recorded-query-gpu-load.csv', GPU_METRICS_FIELDS));
    expect(l40s.map((m) => [m.utilizationGpuPct, m.memoryUsedMiB, m.memoryTotalMiB, m.powerLimitW])).toEqual([[9, 1235, 46068, 350]]);
  });

  it('says to use nounits when the values carry their units, as the recording does', () => {
    const withUnits = projectRecordedCsv(readFixture('h100x1-recorded-query-gpu-idle.csv'), GPU_METRICS_FIELDS, { aliases: ALIASES, keepUnits: true });
    expect(() => parseGpuMetrics(withUnits)).toThrow(/utilization.gpu "0 %" is not a non-negative integer \(value has a unit: query with --format=csv,noheader,nounits\)/);
  });
});

describe('inventory of real GPUs', () => {
  it('reads model, memory, PCI address, MIG mode and driver of the H100', () => {
    expect(parseGpuInventory(project('h100x1-recorded-query-gpu-idle.csv', GPU_INVENTORY_FIELDS))).toEqual([
      { index: 0, uuid: MASKED_UUID, model: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559, pciBusId: '00000000:00:09.0', migMode: 'Disabled', driverVersion: '590.48.01' },
    ]);
    expect(parseGpuInventory(project('h100x1-mig-recorded-query-gpu-load.csv', GPU_INVENTORY_FIELDS))[0]?.migMode).toBe('Enabled');
  });

  it('reads the H200, and the L40S whose MIG mode is [N/A]', () => {
    const [h200] = parseGpuInventory(project('h200x1-recorded-query-gpu-load.csv', GPU_INVENTORY_FIELDS));
    expect(h200).toMatchObject({ model: 'NVIDIA H200', memoryMiB: 143771, pciBusId: '00000000:83:00.0', migMode: 'Disabled' });
    const [l40s] = parseGpuInventory(project('l40sx1-recorded-query-gpu-load.csv', GPU_INVENTORY_FIELDS));
    expect(l40s).toMatchObject({ model: 'NVIDIA L40S', memoryMiB: 46068, pciBusId: '00000000:01:00.0', migMode: null, driverVersion: '595.80' });
  });

  it('agrees with nvidia-smi -L and --version of the same machine', () => {
    const [gpu] = parseGpuQuery(project('h100x1-recorded-query-gpu-idle.csv', GPU_QUERY_FIELDS));
    expect(readFixture('h100x1-recorded-list.txt').trim()).toBe(`GPU ${gpu?.index}: ${gpu?.model} (UUID: ${gpu?.uuid})`);
    expect(parseDriverVersions(readFixture('h100x1-recorded-version.txt'))).toEqual({ driverVersion: '590.48.01', cudaVersion: '13.1' });
    expect(parseDriverVersions(readFixture('h100x1-recorded-nvidia-smi.txt'))).toEqual({ driverVersion: '590.48.01', cudaVersion: '13.1' });
  });

  it('reads the banner of a 4× L4 node on driver 550', () => {
    expect(parseDriverVersions(readFixture('l4x4-recorded-nvidia-smi.txt'))).toEqual({ driverVersion: '550.144.03', cudaVersion: '12.4' });
  });
});

describe('compute processes on a real H100', () => {
  it('reads the gpu-burn and memhog processes with their memory', () => {
    expect(parseComputeApps(project('h100x1-recorded-compute-apps-load.csv', COMPUTE_APPS_FIELDS))).toEqual([
      { gpuUuid: MASKED_UUID, pid: 11327, processName: '/root/tools/memhog', usedMemoryMiB: 2566 },
      { gpuUuid: MASKED_UUID, pid: 11328, processName: '/root/tools/memhog', usedMemoryMiB: 1542 },
      { gpuUuid: MASKED_UUID, pid: 11345, processName: './gpu_burn', usedMemoryMiB: 15690 },
    ]);
  });

  it('attributes memory per process also with MIG enabled', () => {
    const apps = parseComputeApps(project('h100x1-mig-recorded-compute-apps-load.csv', COMPUTE_APPS_FIELDS));
    expect(apps.map((a) => [a.pid, a.usedMemoryMiB])).toEqual([
      [21180, 2296],
      [21181, 1272],
      [21198, 7484],
    ]);
  });

  it('finds no processes on the idle GPU (the recording is the header alone)', () => {
    expect(parseComputeApps(project('h100x1-recorded-compute-apps-idle.csv', COMPUTE_APPS_FIELDS))).toEqual([]);
  });
});

describe('the CSV reader on every recorded field', () => {
  // All 212 fields of the recording, units cut: the reader must read each "no value" marker the
  // driver printed as null, including the bracketed note newer drivers print for retired fields.
  const recorded = readFixture('h100x1-recorded-query-gpu-idle.csv');
  const fields = (recorded.split('\n')[0] ?? '').split(', ').map((h) => h.replace(/ \[.+\]$/, ''));
  const [line] = csvLines(projectRecordedCsv(recorded, fields));

  it('reads [Requested functionality has been deprecated] and [N/A] as no value', () => {
    expect(line?.cells).toHaveLength(212);
    const r = fieldReader('recorded', line ?? { lineNo: 1, raw: '', cells: [] }, fields);
    expect(r.optText('power.management')).toBeNull();
    expect(r.optInt('clocks.applications.graphics')).toBeNull();
    expect(r.optInt('clocks.max.sm')).toBe(1980);
    expect(r.optText('vgpu_driver_capability.heterogenous_multivGPU')).toBeNull();
    expect(r.optHexMask('clocks_event_reasons.supported')).toBe(0x1ff);
  });
});
