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
  /** Per node: running jobs' ends in time order, while the node's allocations are unchanged. */
  private readonly ends = new Map<number, { version: number; now: EpochMs; occ: number; list: { t: number; g: number }[] }>();
  readonly list: Reservation[] = [];

  constructor(private now: EpochMs) {}

  /** Move the plan's "now" forward (estimates replay time); reservations stay. */
  advance(now: EpochMs): void {
    this.now = now;
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

  /** Earliest t >= now at which `gpus` GPUs stay free on `node` for `durMs`. */
  earliest(node: NodeState, gpus: number, durMs: number, cap: number = node.size): EpochMs {
    const slots = this.byNode.get(node.idx);
    if (!slots) return this.earliestByEnds(node, gpus, cap);
    const times = [this.now];
    for (const a of node.allocs) if (a.endAt > this.now) times.push(a.endAt);
    for (const r of slots) if (r.end > this.now) times.push(r.end);
    times.sort((x, y) => x - y);
    for (const t of times) {
      if (this.occupancy(node, t) + gpus > cap) continue;
      let ok = true;
      for (const r of slots) {
        if (r.start > t && r.start < t + durMs && this.occupancy(node, r.start) + gpus > cap) {
          ok = false;
          break;
        }
      }
      if (ok) return t;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** No reservation on the node: occupancy only falls, so it is the time enough running jobs have ended. */
  private earliestByEnds(node: NodeState, gpus: number, cap: number): EpochMs {
    let c = this.ends.get(node.idx);
    if (!c || c.version !== node.version || c.now !== this.now) {
      const list: { t: number; g: number }[] = [];
      let occ = 0;
      for (const a of node.allocs) {
        if (a.endAt <= this.now) continue;
        const g = partGpus(a, node);
        occ += g;
        list.push({ t: a.endAt, g });
      }
      list.sort((x, y) => x.t - y.t);
      c = { version: node.version, now: this.now, occ, list };
      this.ends.set(node.idx, c);
    }
    let occ = c.occ;
    if (occ + gpus <= cap + 1e-9) return this.now;
    for (const e of c.list) {
      occ -= e.g;
      if (occ + gpus <= cap + 1e-9) return e.t;
    }
    return Number.POSITIVE_INFINITY;
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
