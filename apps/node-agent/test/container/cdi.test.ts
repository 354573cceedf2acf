import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cdiDeviceNames, cdiGpuDevices, NVIDIA_GPU_KIND, readCdiDevices } from '../../src/container/cdi';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/cdi');
const U0 = 'GPU-3b7c8a10-5f2e-4d4c-9a61-0e8f2b1c7d90';
const U1 = 'GPU-9d2e4f61-0c3b-4a7e-8f15-6b2a9c0e4d13';
const gpus = [
  { index: 0, uuid: U0 },
  { index: 1, uuid: U1 },
];

describe('CDI specs for NVIDIA GPUs', () => {
  it('reads the device names of an nvidia-ctk YAML spec, not the names inside hooks and mounts', async () => {
    expect(cdiDeviceNames(await readFile(path.join(fixtures, 'nvidia.yaml'), 'utf8'), NVIDIA_GPU_KIND)).toEqual(['0', '1', U0, U1, 'all']);
    expect(cdiDeviceNames(await readFile(path.join(fixtures, 'nvidia-index.yaml'), 'utf8'), NVIDIA_GPU_KIND)).toEqual(['0', '1', 'all']);
  });

  it('reads JSON specs and other YAML layouts, and only specs of the kind asked for', async () => {
    const json = await readFile(path.join(fixtures, 'other-vendor.json'), 'utf8');
    expect(cdiDeviceNames(json, 'vendor.example/fpga')).toEqual(['fpga0']);
    expect(cdiDeviceNames(json, NVIDIA_GPU_KIND)).toEqual([]);
    const indented = ['kind: "nvidia.com/gpu"', 'devices:', '  - name: gpu0', '    containerEdits:', '      deviceNodes:', '        - path: /dev/nvidia0', "  - name: 'gpu1'"].join('\n');
    expect(cdiDeviceNames(indented, NVIDIA_GPU_KIND)).toEqual(['gpu0', 'gpu1']);
    expect(cdiDeviceNames('{ not json', NVIDIA_GPU_KIND)).toEqual([]);
    expect(cdiDeviceNames('devices:\n- name: x\n', NVIDIA_GPU_KIND)).toEqual([]);
  });

  it('collects every spec file of the CDI directories, skipping missing ones', async () => {
    expect((await readCdiDevices([fixtures, '/nonexistent/cdi'], NVIDIA_GPU_KIND)).sort()).toEqual(['0', '1', U0, U1, 'all'].sort());
    const empty = mkdtempSync(path.join(tmpdir(), 'sluice-cdi-'));
    writeFileSync(path.join(empty, 'notes.txt'), 'kind: nvidia.com/gpu\ndevices:\n- name: "0"\n');
    expect(await readCdiDevices([empty], NVIDIA_GPU_KIND)).toEqual([]);
    rmSync(empty, { recursive: true });
  });

  it('passes each allocated GPU by UUID where the spec names it so, else by index', () => {
    expect(cdiGpuDevices([U1], ['0', '1', U0, U1, 'all'], gpus)).toEqual([`nvidia.com/gpu=${U1}`]);
    expect(cdiGpuDevices([U1, U0], ['0', '1', 'all'], gpus)).toEqual(['nvidia.com/gpu=1', 'nvidia.com/gpu=0']);
    expect(cdiGpuDevices([], [], gpus)).toEqual([]);
  });

  it('tells the admin to generate the spec when a GPU has no CDI device', () => {
    expect(() => cdiGpuDevices([U0], [], gpus)).toThrow(/no CDI spec for NVIDIA GPUs.*nvidia-ctk cdi generate/);
    expect(() => cdiGpuDevices(['GPU-new'], ['0', '1', 'all'], gpus)).toThrow(/names no device for GPU GPU-new: .*nvidia-ctk cdi generate/);
  });
});
