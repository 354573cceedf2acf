/**
 * Backfill's time plan. Running (and just planned) jobs hold their GPUs until
 * their expected end (start + time limit); blocked high-priority jobs get a
 * reservation: a node set and a start time at which enough GPUs are free for
 * their whole time limit. A later job may start now only on nodes where it
 * ends before every reservation there, or leaves enough GPUs for them
 * (`fitsNow`). Per node, occupancy only falls over time except at
 * reservation starts, so checking "now" and each reservation start suffices.
 */
import type { Alloc, NodeState } from '../cluster/state';
import type { EpochMs, Reservation } from '../types';

/** Per node: its jobs' ends in time order, valid while the node's allocations are unchanged. */
interface EndsCache {
  version: number;
  occ: number;
  list: { t: number; g: number }[];
}

interface Slot {
  readonly jobId: string;
  readonly start: EpochMs;
  readonly end: EpochMs;
  readonly gpus: number;
}

const partGpus = (a: Alloc, node: NodeState): number => {
  if (a.fraction !== null) return a.fraction;
  for (const p of a.parts) if (p.node === node) return p.gpus.length;
  return 0;
};

export class ReservationBook {
  private readonly byNode = new Map<number, Slot[]>();
  readonly list: Reservation[] = [];

  constructor(private current: EpochMs) {}

  get now(): EpochMs {
    return this.current;
  }

  /** Move the plan's "now" forward (estimates replay time); reservations stay. */
  advance(now: EpochMs): void {
    this.current = now;
  }

  /** Drop a job's reservation (it started). */
  cancel(jobId: string): void {
    if (!this.list.some((r) => r.jobId === jobId)) return;
    this.list.splice(
      this.list.findIndex((r) => r.jobId === jobId),
      1,
    );
    for (const [idx, slots] of this.byNode) {
      const kept = slots.filter((s) => s.jobId !== jobId);
      if (kept.length === 0) this.byNode.delete(idx);
      else this.byNode.set(idx, kept);
    }
  }

  get size(): number {
    return this.list.length;
  }

  /** Nodes that carry at least one reservation. */
  get reservedNodes(): number {
    return this.byNode.size;
  }

  hasReservations(node: NodeState): boolean {
    return this.byNode.has(node.idx);
  }

  /** GPUs in use on `node` at time t (running jobs still on, reservations active, but not `except`'s own). */
  occupancy(node: NodeState, t: EpochMs, except: string | null = null): number {
    let occ = 0;
    for (const a of node.allocs) if (a.endAt > t) occ += partGpus(a, node);
    for (const r of this.byNode.get(node.idx) ?? []) if (r.start <= t && t < r.end && r.jobId !== except) occ += r.gpus;
    return occ;
  }

  /**
   * Can `gpus` more GPUs be used on `node` over [now, end) without delaying a
   * reservation (other than `except`'s own)? They are free now.
   */
  fitsNow(node: NodeState, gpus: number, end: EpochMs, cap: number = node.size, except: string | null = null): boolean {
    const slots = this.byNode.get(node.idx);
    if (!slots) return true;
    for (const r of slots) {
      if (r.start >= end || r.end <= this.now || r.jobId === except) continue;
      if (this.occupancy(node, Math.max(r.start, this.now), except) + gpus > cap) return false;
    }
    return true;
  }

  /** Are `gpus` GPUs free on `node` during all of [from, to)? */
  fitsDuring(node: NodeState, gpus: number, from: EpochMs, to: EpochMs, cap: number = node.size): boolean {
    if (this.occupancy(node, from) + gpus > cap) return false;
    for (const r of this.byNode.get(node.idx) ?? []) {
      if (r.start > from && r.start < to && this.occupancy(node, r.start) + gpus > cap) return false;
    }
    return true;
  }

  /**
   * Earliest t >= now at which `gpus` GPUs stay free on `node` for `durMs`. A caller
   * that only cares about times before `bound` gets some value >= bound otherwise
   * (reservations can only make a node later than its running jobs alone do).
   */
  earliest(node: NodeState, gpus: number, durMs: number, cap: number = node.size, bound: EpochMs = Number.POSITIVE_INFINITY): EpochMs {
    const slots = this.byNode.get(node.idx);
    const byEnds = this.earliestByEnds(node, gpus, cap);
    if (!slots || byEnds >= bound) return byEnds;
    // Occupancy as a step function: running jobs end, reservations start and end.
    const now = this.current;
    const events: { t: number; d: number }[] = [];
    let occ = 0;
    for (const a of node.allocs) {
      if (a.endAt <= now) continue;
      const g = partGpus(a, node);
      occ += g;
      events.push({ t: a.endAt, d: -g });
    }
    for (const r of slots) {
      if (r.end <= now) continue;
      if (r.start <= now) occ += r.gpus;
      else events.push({ t: r.start, d: r.gpus });
      events.push({ t: r.end, d: -r.gpus });
    }
    events.sort((x, y) => x.t - y.t);
    const starts: number[] = [now];
    const levels: number[] = [occ];
    for (let i = 0; i < events.length; ) {
      const t = (events[i] as { t: number }).t;
      while (i < events.length && (events[i] as { t: number }).t === t) occ += (events[i++] as { d: number }).d;
      starts.push(t);
      levels.push(occ);
    }
    // The earliest feasible start is a step start: try each, scanning the steps its run covers.
    for (let i = 0; i < starts.length; i++) {
      const t = starts[i] as number;
      let ok = true;
      for (let j = i; j < starts.length && (starts[j] as number) < t + durMs; j++) {
        if ((levels[j] as number) + gpus > cap + 1e-9) {
          ok = false;
          break;
        }
      }
      if (ok) return t;
    }
    return Number.POSITIVE_INFINITY;
  }

  /**
   * When enough of the node's running jobs have ended, ignoring reservations: exact for a node
   * without reservations (occupancy only falls), a lower bound otherwise.
   */
  earliestByEnds(node: NodeState, gpus: number, cap: number): EpochMs {
    if (node.free >= gpus && node.free === cap - this.occupancyNow(node)) return this.now;
    let c = node.endsCache as EndsCache | null;
    if (!c || c.version !== node.version) {
      const list: { t: number; g: number }[] = [];
      let occ = 0;
      for (const a of node.allocs) {
        const g = partGpus(a, node);
        occ += g;
        list.push({ t: a.endAt, g });
      }
      list.sort((x, y) => x.t - y.t);
      c = { version: node.version, occ, list };
      node.endsCache = c;
    }
    // Jobs whose end is not after "now" no longer count (the cache may predate a later "now").
    let occ = c.occ;
    let i = 0;
    for (; i < c.list.length && (c.list[i] as { t: number }).t <= this.now; i++) occ -= (c.list[i] as { g: number }).g;
    if (occ + gpus <= cap + 1e-9) return this.now;
    for (; i < c.list.length; i++) {
      const e = c.list[i] as { t: number; g: number };
      occ -= e.g;
      if (occ + gpus <= cap + 1e-9) return e.t;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** GPUs held on `node` by jobs still running at "now". */
  private occupancyNow(node: NodeState): number {
    let occ = 0;
    for (const a of node.allocs) if (a.endAt > this.now) occ += partGpus(a, node);
    return occ;
  }

  reserve(jobId: string, parts: readonly { node: NodeState; gpus: number }[], start: EpochMs, end: EpochMs): void {
    for (const p of parts) {
      const list = this.byNode.get(p.node.idx) ?? [];
      list.push({ jobId, start, end, gpus: p.gpus });
      this.byNode.set(p.node.idx, list);
    }
    this.list.push({ jobId, start, end, nodes: parts.map((p) => p.node.name) });
  }
}
