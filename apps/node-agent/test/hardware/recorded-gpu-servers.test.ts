import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectHardware } from '../../src/hardware/collect';

// Trees built from what real GPU servers printed in public sources; see ../fixtures/hardware/README.md
// for which file came verbatim from where and what each recording lacks.
const recorded = (name: string) => fileURLToPath(new URL(`../fixtures/hardware/${name}`, import.meta.url));
const noGpus = { gpus: [], nvidia: null };

const port = (device: string, rate: string, rateGbps: number, linkLayer: string) => ({
  device,
  port: 1,
  rate,
  rateGbps,
  linkLayer,
  state: 'ACTIVE',
  netdevs: [],
});

describe('collectHardware on recorded GPU servers', () => {
  it('reads the CPU model and topology ids of a DGX A100 from its recorded cpuinfo block', async () => {
    const hw = await collectHardware({ root: recorded('dgx-a100-sophia-recorded'), arch: 'x86_64', gpus: noGpus });
    // One processor block (CPU 255: socket 1, core 63) was published, so one thread of one core of one socket.
    expect(hw.cpu).toEqual({ model: 'AMD EPYC 7742 64-Core Processor', sockets: 1, cores: 1, threads: 1, numaNodes: [] });
  });

  it('reads the eight HDR InfiniBand ports and the Ethernet RDMA port of an A100 node', async () => {
    const hw = await collectHardware({ root: recorded('a100-node-recorded'), arch: 'x86_64', gpus: noGpus });
    const hdr = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => port(`mlx5_${i}`, '200 Gb/sec (4X HDR)', 200, 'InfiniBand'));
    expect(hw.infiniband).toEqual([...hdr, port('mlx5_8', '40 Gb/sec (4X QDR)', 40, 'Ethernet')]);
  });

  it('reads the eight NDR InfiniBand ports and the bonded RoCE port of an H100 node, in natural order', async () => {
    const hw = await collectHardware({ root: recorded('h100-node-recorded'), arch: 'x86_64', gpus: noGpus });
    const ndr = [0, 1, 4, 5, 6, 7, 8, 9].map((i) => port(`mlx5_${i}`, '400 Gb/sec (4X NDR)', 400, 'InfiniBand'));
    // The bond's rate file was published without a trailing newline: it must read the same.
    expect(hw.infiniband).toEqual([...ndr, port('mlx5_bond_0', '200 Gb/sec (2X NDR)', 200, 'Ethernet')]);
  });
});
