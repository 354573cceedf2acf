import { NodeHardware } from '@sluice/contracts';
import type { Db } from '@sluice/db';
import { diffHardware, type HardwareChange } from './hardware-diff';

/** The inventory stored on the node, or null when there is none or it no longer parses (schema moved on). */
export function storedHardware(inventory: string | null): NodeHardware | null {
  if (!inventory) return null;
  try {
    return NodeHardware.safeParse(JSON.parse(inventory)).data ?? null;
  } catch {
    return null;
  }
}

/**
 * A node reported its hardware (hello or change): keep it in Node.inventory, append what changed
 * since the last report to the node's hardware history, and store each GPU's NVLink domain.
 */
export async function recordHardware(db: Db, nodeName: string, hw: NodeHardware, now: Date): Promise<HardwareChange[]> {
  return db.$transaction(async (tx) => {
    const node = await tx.node.findUnique({ where: { name: nodeName }, select: { id: true, inventory: true } });
    if (!node) throw new Error(`hardware for unknown node ${nodeName}`);
    const changes = diffHardware(storedHardware(node.inventory), hw);
    if (changes.length > 0) await tx.nodeHardwareEvent.createMany({ data: changes.map((c) => ({ nodeName, at: now, ...c })) });
    const containerRuntime = hw.containers ? `${hw.containers.name} ${hw.containers.version}` : null;
    await tx.node.update({ where: { id: node.id }, data: { inventory: JSON.stringify(hw), containerRuntime } });
    for (const g of hw.gpus) await tx.gpu.updateMany({ where: { uuid: g.uuid, nodeId: node.id }, data: { nvlinkDomain: g.nvlinkDomain } });
    return changes;
  });
}
