/**
 * Nodes grouped into classes (same pool, GPU models, labels and size) and, per
 * class, bucketed by free GPUs. Best fit is then "lowest bucket >= n, lowest
 * node index": O(buckets) instead of O(nodes), and a full cluster answers
 * "nothing fits" in O(1). Node index order is name order, so ties break by name.
 */

export interface NodeClass {
  readonly id: number;
  readonly pool: string;
  readonly models: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** GPUs per node of this class. */
  readonly size: number;
}

export class NodeIndex {
  readonly classes: NodeClass[] = [];
  private readonly byKey = new Map<string, number>();
  /** buckets[class][free] = node indices with exactly `free` whole free GPUs, ascending. */
  private readonly buckets: number[][][] = [];

  classFor(pool: string, models: readonly string[], labels: Readonly<Record<string, string>>, size: number): number {
    let labelKey = '';
    for (const _ in labels) {
      labelKey = Object.keys(labels)
        .sort()
        .map((l) => `${l}=${labels[l]}`)
        .join('\u0002');
      break;
    }
    const key = `${pool}\u0001${models.length === 1 ? models[0] : models.join('\u0002')}\u0001${labelKey}\u0001${size}`;
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.classes.length;
      this.classes.push({ id, pool, models, labels, size });
      this.byKey.set(key, id);
      this.buckets.push(Array.from({ length: size + 1 }, () => []));
    }
    return id;
  }

  insert(classId: number, free: number, node: number): void {
    const b = this.bucket(classId, free);
    b.splice(lowerBound(b, node), 0, node);
  }

  remove(classId: number, free: number, node: number): void {
    const b = this.bucket(classId, free);
    const i = lowerBound(b, node);
    if (b[i] === node) b.splice(i, 1);
  }

  move(classId: number, from: number, to: number, node: number): void {
    if (from === to) return;
    this.remove(classId, from, node);
    this.insert(classId, to, node);
  }

  /** Nodes of a class with exactly `free` whole free GPUs, ascending index. Do not mutate. */
  nodesWithFree(classId: number, free: number): readonly number[] {
    return this.buckets[classId]?.[free] ?? [];
  }

  /** Largest free count present in a class (0 when none). */
  maxFree(classId: number): number {
    const bs = this.buckets[classId];
    if (!bs) return 0;
    for (let f = bs.length - 1; f > 0; f--) if ((bs[f] as number[]).length > 0) return f;
    return 0;
  }

  private bucket(classId: number, free: number): number[] {
    const b = this.buckets[classId]?.[free];
    if (!b) throw new Error(`no bucket ${classId}/${free}`);
    return b;
  }
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
