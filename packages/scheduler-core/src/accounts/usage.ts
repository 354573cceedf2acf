/**
 * Usage arithmetic for the caller's ledger (daemon or simulator): usage is
 * GPU-seconds x the GPU model's billing weight, decayed with a half-life. The
 * core itself only reads the decayed numbers the caller puts in the snapshot.
 */
import type { SchedulerConfig } from '../config';
import type { ClusterSnapshot, EpochMs } from '../types';

/** `prev` decayed over `elapsedMs` with the given half-life (no decay for a non-positive half-life). */
export function decayUsage(prev: number, elapsedMs: number, halfLifeMs: number): number {
  if (!(halfLifeMs > 0) || elapsedMs <= 0) return prev;
  return prev * 2 ** (-elapsedMs / halfLifeMs);
}

export function billingWeight(config: SchedulerConfig, model: string | undefined): number {
  if (model !== undefined) {
    const w = config.fairshare.billingWeights[model];
    if (w !== undefined) return w;
  }
  return config.fairshare.defaultBillingWeight;
}

export interface UsageLedger {
  /** Time the decayed values refer to. */
  at: EpochMs;
  /** account -> user -> decayed billed GPU-seconds (what `ClusterSnapshot.usage` takes). */
  usage: Record<string, Record<string, number>>;
}

export interface UsageCharge {
  account: string;
  user: string;
  gpuSeconds: number;
  /** GPU model, for its billing weight. */
  model?: string;
  /** The GPU-seconds accrued evenly over the last `overSec` seconds (they are decayed accordingly); default 0 = all at `now`. */
  overSec?: number;
}

export function emptyLedger(at: EpochMs): UsageLedger {
  return { at, usage: {} };
}

/** A new ledger: everything decayed to `now`, then the charges added. Pure: `ledger` is not changed. */
export function updateLedger(ledger: UsageLedger, now: EpochMs, charges: readonly UsageCharge[], config: SchedulerConfig): UsageLedger {
  const halfLifeMs = config.fairshare.halfLifeSec * 1000;
  const factor = decayUsage(1, now - ledger.at, halfLifeMs);
  const usage: Record<string, Record<string, number>> = {};
  for (const [account, byUser] of Object.entries(ledger.usage)) {
    const out: Record<string, number> = {};
    for (const [user, u] of Object.entries(byUser)) out[user] = u * factor;
    usage[account] = out;
  }
  for (const c of charges) {
    if (!(c.gpuSeconds > 0)) continue;
    const byUser = usage[c.account] ?? {};
    usage[c.account] = byUser;
    byUser[c.user] = (byUser[c.user] ?? 0) + c.gpuSeconds * billingWeight(config, c.model) * spreadDecay(c.overSec ?? 0, halfLifeMs);
  }
  return { at: Math.max(now, ledger.at), usage };
}

/** Mean decay of a charge spread evenly over the last `overSec` seconds. */
function spreadDecay(overSec: number, halfLifeMs: number): number {
  if (!(overSec > 0) || !(halfLifeMs > 0)) return 1;
  const x = (overSec * 1000 * Math.LN2) / halfLifeMs;
  return x < 1e-9 ? 1 : -Math.expm1(-x) / x;
}

/**
 * Charges for what running jobs used between `since` and `now` (each from
 * max(since, startedAt)), with the model of their GPUs; add them with
 * `updateLedger` at every usage recalculation.
 */
export function runningCharges(snapshot: Pick<ClusterSnapshot, 'nodes' | 'running'>, since: EpochMs, now: EpochMs): UsageCharge[] {
  const modelOf = new Map<string, string>();
  for (const n of snapshot.nodes) for (const g of n.gpus) modelOf.set(g.uuid, g.model);
  const out: UsageCharge[] = [];
  for (const r of snapshot.running) {
    const from = Math.max(since, r.startedAt);
    if (now <= from) continue;
    const sec = (now - from) / 1000;
    const gpus = r.gpus ?? (r.nodes ? r.nodes.reduce((s, p) => s + p.gpuUuids.length, 0) : r.gpuUuids.length);
    const model = r.gpuUuids[0] !== undefined ? modelOf.get(r.gpuUuids[0]) : undefined;
    out.push({ account: r.account, user: r.user, gpuSeconds: gpus * sec, overSec: sec, ...(model !== undefined ? { model } : {}) });
  }
  return out;
}
