import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_SPEC, detectGpuProvider, NvidiaSmiProvider, SimulatedGpuProvider } from '../../src/gpu';
import { DRIVER_DOWN, type FakeNvidiaSmi, writeFakeNvidiaSmi } from './fake-nvidia-smi';

describe('detectGpuProvider', () => {
  let fake: FakeNvidiaSmi | undefined;
  afterEach(() => fake?.remove());

  it('uses nvidia-smi found on PATH when it answers', async () => {
    fake = writeFakeNvidiaSmi();
    const d = await detectGpuProvider({ nodeName: 'gpu-01', pathEnv: fake.dir, fallbacks: [], kernelLog: '/nonexistent/kmsg' });
    expect(d.provider).toBeInstanceOf(NvidiaSmiProvider);
    expect(d.provider.source).toBe('nvidia-smi');
    expect(d.gpus).toHaveLength(8);
    expect(d.description).toBe(`GPUs from nvidia-smi (${fake.path}): 8× NVIDIA H100 80GB HBM3; XID events not watched (/nonexistent/kmsg: ENOENT: no such file or directory, open '/nonexistent/kmsg')`);
    expect(fake.calls()).toHaveLength(1);
  });

  it('uses an explicit nvidia-smi path', async () => {
    fake = writeFakeNvidiaSmi();
    const d = await detectGpuProvider({ nodeName: 'gpu-01', nvidiaSmiPath: fake.path, pathEnv: '', fallbacks: [] });
    expect(d.provider.source).toBe('nvidia-smi');
  });

  it('has no GPUs when there is no nvidia-smi and no simulated GPUs were asked for', async () => {
    const d = await detectGpuProvider({ nodeName: 'cpu-01', pathEnv: '/nonexistent', fallbacks: [] });
    expect(d.provider.source).toBe('none');
    expect(d.gpus).toEqual([]);
    expect(await d.provider.sample()).toEqual({ gpus: [], problems: [] });
    expect(await d.provider.hardware()).toEqual({ gpus: [], nvidia: null });
    expect(d.description).toBe('no GPUs: no nvidia-smi on PATH (SLUICE_SIM_GPUS simulates some)');
  });

  it('simulates the spec asked for when there is no nvidia-smi', async () => {
    const d = await detectGpuProvider({ nodeName: 'dev-01', simSpec: DEFAULT_SIM_SPEC, pathEnv: '/nonexistent', fallbacks: [] });
    expect(d.provider).toBeInstanceOf(SimulatedGpuProvider);
    expect(d.gpus.map((g) => g.model)).toEqual(['H100-80GB', 'H100-80GB', 'H100-80GB', 'H100-80GB']);
    expect(d.description).toBe('SIMULATED GPUs "4xH100-80GB" (4× H100-80GB) because no nvidia-smi on PATH');
  });

  it('simulates the given spec, and says why, when nvidia-smi is there but the driver is down', async () => {
    fake = writeFakeNvidiaSmi(DRIVER_DOWN);
    const d = await detectGpuProvider({ nodeName: 'gpu-02', simSpec: '2xA100-40GB', pathEnv: fake.dir, fallbacks: [] });
    expect(d.provider.source).toBe('simulated');
    expect(d.gpus).toHaveLength(2);
    expect(d.description).toMatch(/^SIMULATED GPUs "2xA100-40GB" \(2× A100-40GB\) because nvidia-smi did not answer: .*exit code 9: NVIDIA-SMI has failed/);
  });

  it('refuses to start when nvidia-smi is there but fails and no simulated GPUs were asked for', async () => {
    fake = writeFakeNvidiaSmi(DRIVER_DOWN);
    await expect(detectGpuProvider({ nodeName: 'gpu-03', pathEnv: fake.dir, fallbacks: [] })).rejects.toThrow(/fix the GPU driver, or set SLUICE_SIM_GPUS/);
  });

  it('does not run nvidia-smi when disabled with null', async () => {
    fake = writeFakeNvidiaSmi();
    const d = await detectGpuProvider({ nodeName: 'sim-01', simSpec: '2', nvidiaSmiPath: null, pathEnv: fake.dir, fallbacks: [] });
    expect(d.provider.source).toBe('simulated');
    expect(d.description).toMatch(/because nvidia-smi disabled by configuration$/);
    expect(fake.calls()).toEqual([]);
  });

  it('fails fast on a bad simulated spec even when nvidia-smi works', async () => {
    fake = writeFakeNvidiaSmi();
    await expect(detectGpuProvider({ nodeName: 'gpu-01', simSpec: '99xH100', pathEnv: fake.dir, fallbacks: [] })).rejects.toThrow(/"99xH100" has count 99/);
  });
});
