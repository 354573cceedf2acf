import type { InfinibandPort, NicInfo } from '@sluice/contracts';
import type { SysRoot } from './sysfs';

/** ARPHRD link types worth a name (include/uapi/linux/if_arp.h). */
const LINK_KIND: Record<number, string> = { 1: 'ether', 32: 'infiniband' };

/** Network interfaces from /sys/class/net, loopback and virtual ones (no device link) excepted. */
export async function readNics(sys: SysRoot): Promise<NicInfo[]> {
  const nics: NicInfo[] = [];
  for (const name of await sys.list('sys/class/net')) {
    const dir = `sys/class/net/${name}`;
    if ((await sys.list(`${dir}/device`)).length === 0) continue; // lo, bridges, veth, bonds: no hardware of their own
    const type = await sys.int(`${dir}/type`);
    const speed = await sys.int(`${dir}/speed`);
    nics.push({
      name,
      mac: await sys.line(`${dir}/address`),
      // The kernel reports -1 (or refuses to read) when the link is down.
      speedMbps: speed !== null && speed > 0 ? speed : null,
      operstate: (await sys.line(`${dir}/operstate`)) ?? 'unknown',
      kind: type === null ? 'unknown' : (LINK_KIND[type] ?? `arphrd-${type}`),
      mtu: await sys.int(`${dir}/mtu`),
    });
  }
  return nics;
}

/** RDMA ports from /sys/class/infiniband/<dev>/ports/<n>: InfiniBand, or Ethernet for RoCE. */
export async function readInfiniband(sys: SysRoot): Promise<InfinibandPort[]> {
  const ports: InfinibandPort[] = [];
  for (const device of await sys.list('sys/class/infiniband')) {
    const base = `sys/class/infiniband/${device}`;
    const netdevs = await sys.list(`${base}/device/net`);
    for (const port of await sys.list(`${base}/ports`)) {
      if (!/^\d+$/.test(port)) continue;
      const rate = await sys.line(`${base}/ports/${port}/rate`);
      const state = await sys.line(`${base}/ports/${port}/state`);
      ports.push({
        device,
        port: Number(port),
        rate,
        rateGbps: rate ? Number(/^([\d.]+) Gb\/sec/.exec(rate)?.[1] ?? Number.NaN) || null : null,
        linkLayer: await sys.line(`${base}/ports/${port}/link_layer`),
        // "4: ACTIVE" → "ACTIVE"
        state: state ? state.replace(/^\d+:\s*/, '') : null,
        netdevs,
      });
    }
  }
  return ports;
}
