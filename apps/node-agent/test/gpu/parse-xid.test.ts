import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KernelLogXidWatcher, parseXidEvents, parseXidLine } from '../../src/gpu';
import { readFixture } from './read-fixture';

describe('parseXidEvents', () => {
  const expected = [
    { pci: '0000:9d:00', xid: 13, detail: 'pid=412233, name=python3.11, Graphics Exception: ESR 0x514730=0x201f0000 0x514734=0x0' },
    { pci: '0000:43:00', xid: 79, detail: "pid='<unknown>', name=<unknown>, GPU has fallen off the bus." },
    { pci: '0000:d1:00', xid: 48, detail: expect.stringMatching(/^pid='<unknown>', name=<unknown>, An uncorrectable double bit error/) },
  ];
  it('reads /dev/kmsg records', () => {
    expect(parseXidEvents(readFixture('synthetic-kmsg-xid.txt'))).toEqual(expected);
  });
  it('reads dmesg lines the same way', () => {
    expect(parseXidEvents(readFixture('synthetic-dmesg-xid.txt'))).toEqual(expected);
  });
  it('reads journal lines and bare codes, ignores other driver lines', () => {
    expect(parseXidLine('2026-09-08T01:00:00+0000 n1 kernel: NVRM: Xid (PCI:0000:01:00): 79')).toEqual({ pci: '0000:01:00', xid: 79, detail: '' });
    expect(parseXidLine('NVRM: GPU 0000:43:00.0: GPU has fallen off the bus.')).toBeNull();
    expect(parseXidLine('nvidia-nvswitch0: SXid (PCI:0000:00:00.0): 11001, Fatal, ingress invalid command')).toBeNull();
  });
});

describe('parseXidEvents on a recorded kernel log', () => {
  // `dmesg --decode --time-format=iso` of a GPU node: a burst of XID 13 from one GPU, then XID 43.
  const events = parseXidEvents(readFixture('gpu-node-recorded-dmesg-iso-xid.txt'));

  it('reads every line: 16 graphics exceptions, then the reset channel', () => {
    expect(events.map((e) => e.xid)).toEqual([...Array(16).fill(13), 43]);
    expect(new Set(events.map((e) => e.pci))).toEqual(new Set(['0000:38:00']));
  });

  it('keeps the pid, process and the driver\'s words', () => {
    expect(events[0]?.detail).toBe("pid='<unknown>', name=<unknown>, Graphics SM Global Exception on (GPC 8, TPC 5, SM 1): Multiple Warp Errors");
    expect(events[16]).toEqual({ pci: '0000:38:00', xid: 43, detail: 'pid=2924364, name=pt_main_thread, Ch 00000008' });
  });
});

describe('KernelLogXidWatcher on a log file', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports each event once, also across a restart, and only whole lines', () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-xid-'));
    const log = join(dir, 'kern.log');
    const cursor = join(dir, 'cursor.json');
    writeFileSync(log, readFixture('synthetic-dmesg-xid.txt'));
    const w = new KernelLogXidWatcher(log, cursor);
    expect(w.poll().map((e) => e.xid)).toEqual([13, 79, 48]);
    expect(w.poll()).toEqual([]);
    appendFileSync(log, '[ 5200.000001] NVRM: Xid (PCI:0000:1b:00): 94, pid=1, name=x, Contained ECC error.\n[ 5200.1] NVRM: Xid (PCI:0000:1b:00): 9');
    expect(w.poll().map((e) => e.xid)).toEqual([94]);
    const restarted = new KernelLogXidWatcher(log, cursor);
    expect(restarted.poll()).toEqual([]);
    appendFileSync(log, '5, pid=1, name=x, Uncontained ECC error.\n');
    expect(restarted.poll().map((e) => e.xid)).toEqual([95]);
  });

  it('starts over when the log was truncated, and yields nothing for a missing file', () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-xid-'));
    const log = join(dir, 'kern.log');
    const w = new KernelLogXidWatcher(log, null);
    expect(w.poll()).toEqual([]);
    writeFileSync(log, readFixture('synthetic-dmesg-xid.txt'));
    expect(w.poll()).toHaveLength(3);
    writeFileSync(log, '[ 1.0] NVRM: Xid (PCI:0000:43:00): 79, GPU has fallen off the bus.\n');
    expect(w.poll().map((e) => e.xid)).toEqual([79]);
  });
});

describe('KernelLogXidWatcher on /dev/kmsg', () => {
  it('reads this machine\'s kernel log without blocking, then nothing new', () => {
    const w = new KernelLogXidWatcher('/dev/kmsg', null);
    if (w.unreadable) return expect(w.poll()).toEqual([]); // no permission here: nothing, no hang
    w.poll();
    const t = Date.now();
    expect(w.poll()).toEqual([]);
    expect(Date.now() - t).toBeLessThan(1000);
    w.close();
  });
});
