/** A binary min-heap keyed by (time, id): the simulator's finish events. */
export class TimeHeap<T extends { readonly id: string }> {
  private readonly items: { t: number; v: T }[] = [];

  get size(): number {
    return this.items.length;
  }

  peekTime(): number {
    return this.items[0]?.t ?? Number.POSITIVE_INFINITY;
  }

  push(t: number, v: T): void {
    const a = this.items;
    a.push({ t, v });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i] as { t: number; v: T }, a[p] as { t: number; v: T })) break;
      [a[i], a[p]] = [a[p] as { t: number; v: T }, a[i] as { t: number; v: T }];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l] as { t: number; v: T }, a[m] as { t: number; v: T })) m = l;
        if (r < a.length && less(a[r] as { t: number; v: T }, a[m] as { t: number; v: T })) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as { t: number; v: T }, a[i] as { t: number; v: T }];
        i = m;
      }
    }
    return top?.v;
  }
}

function less<T extends { readonly id: string }>(x: { t: number; v: T }, y: { t: number; v: T }): boolean {
  return x.t < y.t || (x.t === y.t && x.v.id < y.v.id);
}
