import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findNvidiaSmi, NvidiaSmiProvider } from '../../src/gpu';
import { DRIVER_DOWN, type FakeNvidiaSmi, writeFakeNvidiaSmi } from './fake-nvidia-smi';

describe('NvidiaSmiProvider against an nvidia-smi executable', () => {
  let fake: FakeNvidiaSmi | undefined;
  afterEach(() => fake?.remove());

  it('runs the inventory query with exact argv (no shell) and parses the answer', async () => {
    fake = writeFakeNvidiaSmi();
    const p = new NvidiaSmiProvider(fake.path);
    expect(p.source).toBe('nvidia-smi');
    const gpus = await p.list();
    expect(fake.calls()).toEqual([['--query-gpu=index,uuid,name,memory.total', '--format=csv,noheader,nounits']]);
    expect(gpus).toHaveLength(8);
    expect(gpus[0]).toEqual({ index: 0, uuid: 'GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b', model: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559 });
  });

  it('reads metrics, compute apps and topology the same way', async () => {
    fake = writeFakeNvidiaSmi();
    const p = new NvidiaSmiProvider(fake.path);
    expect((await p.metrics()).map((m) => m.utilizationGpuPct)).toEqual([97, 96, 0, 0, 100, 0, 0, 0]);
    expect((await p.computeApps()).map((a) => a.pid)).toEqual([412233, 412234, 398120]);
    expect((await p.topology()).gpuLinks[3]?.[5]).toBe('NV18');
    expect(fake.calls().map((argv) => argv[0])).toEqual([
      '--query-gpu=index,uuid,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit,ecc.errors.uncorrected.volatile.total,clocks_throttle_reasons.active',
      '--query-compute-apps=gpu_uuid,pid,process_name,used_memory',
      'topo',
    ]);
  });

  it('reports the exit code and the driver message when nvidia-smi fails', async () => {
    fake = writeFakeNvidiaSmi(DRIVER_DOWN);
    await expect(new NvidiaSmiProvider(fake.path).list()).rejects.toThrow(/failed: exit code 9: NVIDIA-SMI has failed because it couldn't communicate/);
  });

  it('gives up after its timeout', async () => {
    fake = writeFakeNvidiaSmi('exec sleep 30');
    await expect(new NvidiaSmiProvider(fake.path, 300).list()).rejects.toThrow(/timed out after 300 ms/);
  });

  it('rejects garbage output with the parser error instead of returning it', async () => {
    fake = writeFakeNvidiaSmi(`echo "0, GPU-cfe267fb-ecf0-dce9-310f-f007dc84951b, NVIDIA H100 80GB HBM3, 81559 MiB"`);
    await expect(new NvidiaSmiProvider(fake.path).list()).rejects.toThrow(/memory.total "81559 MiB"/);
  });

  it('reports a missing executable', async () => {
    await expect(new NvidiaSmiProvider('/nonexistent/nvidia-smi').list()).rejects.toThrow(/ENOENT/);
  });
});

describe('findNvidiaSmi', () => {
  let fake: FakeNvidiaSmi | undefined;
  afterEach(() => fake?.remove());

  it('finds the first executable nvidia-smi on PATH', () => {
    fake = writeFakeNvidiaSmi();
    expect(findNvidiaSmi(['/nonexistent', fake.dir, '/also-missing'].join(':'), [])).toBe(fake.path);
  });

  it('skips a non-executable file and a directory of that name', () => {
    fake = writeFakeNvidiaSmi();
    const notExec = join(fake.dir, 'a');
    mkdirSync(notExec);
    writeFileSync(join(notExec, 'nvidia-smi'), 'not a program');
    chmodSync(join(notExec, 'nvidia-smi'), 0o644);
    const isDir = join(fake.dir, 'b');
    mkdirSync(join(isDir, 'nvidia-smi'), { recursive: true });
    expect(findNvidiaSmi(`${notExec}:${isDir}`, [])).toBeNull();
    expect(findNvidiaSmi(`${notExec}:${isDir}:${fake.dir}`, [])).toBe(fake.path);
  });

  it('falls back to the standard locations, then null', () => {
    fake = writeFakeNvidiaSmi();
    expect(findNvidiaSmi('', [fake.path])).toBe(fake.path);
    expect(findNvidiaSmi('', ['/nonexistent/nvidia-smi'])).toBeNull();
  });
});
