import { FATAL_XIDS, type GpuHardware, type GpuProblem, type GpuSample } from '@sluice/contracts';
import { type LostGpuLine, pciKey } from './nvidia-smi-inventory';
import type { XidEvent } from './xid';

export interface HealthInput {
  /** The GPUs the node had when its inventory was taken. */
  known: GpuHardware[];
  /** The GPUs that answered this time. */
  samples: GpuSample[];
  /** GPUs nvidia-smi said it could not reach. */
  lost: LostGpuLine[];
  /** XID events since the last look. */
  xids: XidEvent[];
  fatalXids?: readonly number[];
}

/**
 * What is wrong with the GPUs, one problem per cause: uncorrected ECC errors, a fatal XID, a
 * GPU nvidia-smi reports lost (fell off the bus), or a GPU that is simply no longer listed.
 * Non-fatal XIDs (13, 31, 43: usually the application's fault) are not problems.
 */
export function gpuProblems(input: HealthInput): GpuProblem[] {
  const fatal = new Set(input.fatalXids ?? FATAL_XIDS);
  const byPci = new Map(input.known.flatMap((g) => (g.pciBusId ? [[pciKey(g.pciBusId), g] as const] : [])));
  const problems: GpuProblem[] = [];
  for (const s of input.samples) {
    if ((s.eccUncorrected ?? 0) > 0) {
      problems.push({ kind: 'ecc-uncorrected', index: s.index, uuid: s.uuid, message: `uncorrected ECC errors (${s.eccUncorrected})` });
    }
  }
  const lostUuids = new Set<string>();
  for (const l of input.lost) {
    const g = byPci.get(pciKey(l.pciBusId));
    if (g) lostUuids.add(g.uuid);
    problems.push({ kind: 'lost', index: g?.index ?? null, uuid: g?.uuid ?? null, message: `fell off the bus (${l.pciBusId}): ${l.message}` });
  }
  const answered = new Set(input.samples.map((s) => s.uuid));
  for (const g of input.known) {
    if (!answered.has(g.uuid) && !lostUuids.has(g.uuid)) {
      problems.push({ kind: 'missing', index: g.index, uuid: g.uuid, message: 'no longer listed by nvidia-smi' });
    }
  }
  for (const x of input.xids) {
    if (!fatal.has(x.xid)) continue;
    const g = byPci.get(pciKey(x.pci));
    problems.push({ kind: 'xid', index: g?.index ?? null, uuid: g?.uuid ?? null, xid: x.xid, message: `XID ${x.xid} (PCI ${x.pci}): ${x.detail}` });
  }
  return problems;
}
