import type { DiskInfo } from '@sluice/contracts';
import type { SysRoot } from './sysfs';

/** Block devices that are not disks: loop, RAM and compressed-RAM devices. */
const VIRTUAL = /^(loop|ram|zram)\d+$/;

/** Disks from /sys/block: size (512-byte sectors, whatever the device's block size), rotational, model. */
export async function readDisks(sys: SysRoot): Promise<DiskInfo[]> {
  const disks: DiskInfo[] = [];
  for (const name of await sys.list('sys/block')) {
    if (VIRTUAL.test(name)) continue;
    const sectors = (await sys.int(`sys/block/${name}/size`)) ?? 0;
    disks.push({
      name,
      sizeBytes: sectors * 512,
      rotational: (await sys.int(`sys/block/${name}/queue/rotational`)) === 1,
      model: await sys.line(`sys/block/${name}/device/model`),
    });
  }
  return disks;
}
