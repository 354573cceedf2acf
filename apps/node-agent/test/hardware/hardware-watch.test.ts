import type { NodeHardware } from '@sluice/contracts';
import { describe, expect, it } from 'vitest';
import { HardwareWatch } from '../../src/hardware';
import { collectHardware } from '../../src/hardware/collect';

describe('HardwareWatch', () => {
  it('collects once for the hello, then reports only real changes', async () => {
    const base = await collectHardware({ root: '/nonexistent', arch: 'x86_64', gpus: { gpus: [], nvidia: null } });
    let next: NodeHardware = base;
    let calls = 0;
    const watch = new HardwareWatch(async () => {
      calls++;
      return next;
    });
    expect(await watch.current()).toEqual(base);
    expect(await watch.current()).toEqual(base);
    expect(calls).toBe(1);
    expect(await watch.check()).toBeNull();
    next = { ...base, disks: [{ name: 'nvme0n1', sizeBytes: 1, rotational: false, model: null }] };
    expect(await watch.check()).toEqual(next);
    expect(await watch.check()).toBeNull();
    expect(await watch.current()).toEqual(next);
  });
});
