import { type FairshareRowView, formatHalfLife, formatPercent as percent } from '@sluice/contracts';

/**
 * The fair-share standing of one row in plain words. Fair Tree compares siblings (the children of
 * one parent: sub-accounts and users alike) by shares against usage, so the sentence does too: the
 * row's shares and usage among its siblings, and which siblings it goes before or after.
 */
export type FairshareRow = Omit<FairshareRowView, 'summary'>;

const label = (r: FairshareRow) => r.user ?? r.account;
const siblingsOf = (r: FairshareRow, rows: readonly FairshareRow[]) => rows.filter((o) => o !== r && o.parent === r.parent && o.depth === r.depth);
/** Used nothing = infinitely under-served (Fair Tree's ∞). */
const lf = (r: FairshareRow) => r.levelFairshare ?? Number.POSITIVE_INFINITY;
const same = (a: number, b: number) => a === b || (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b)));

/** "lab-b's", "physics'" */
const possessive = (name: string) => (name.endsWith('s') ? `${name}'` : `${name}'s`);

/** "lab-b's", "lab-b's and lab-c's", "a's, b's and 3 others'". */
function owners(names: string[]): string {
  const shown = names.slice(0, 3).map(possessive);
  if (names.length > 3) shown.push(`${names.length - 3} others'`);
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

function standing(r: FairshareRow, siblings: FairshareRow[]): string {
  const me = lf(r);
  if (siblings.length === 0) return `nothing else competes with ${label(r)} at this level`;
  const ahead = siblings.filter((s) => !same(lf(s), me) && lf(s) > me).map(label);
  const behind = siblings.filter((s) => !same(lf(s), me) && lf(s) < me).map(label);
  const subject = `${possessive(label(r))} jobs`;
  if (ahead.length === 0 && behind.length === 0) return `${subject} rank level with ${owners(siblings.map(label))}`;
  if (ahead.length === 0) return `${subject} get higher priority than ${owners(behind)}`;
  if (behind.length === 0) return `${subject} get lower priority than ${owners(ahead)}`;
  return `${subject} get lower priority than ${owners(ahead)} but higher than ${owners(behind)}`;
}

export function fairshareSummary(r: FairshareRow, rows: readonly FairshareRow[], halfLifeSec: number): string {
  const siblings = siblingsOf(r, rows);
  const level = [r, ...siblings];
  const totalShares = level.reduce((s, x) => s + x.rawShares, 0);
  const totalUsage = level.reduce((s, x) => s + x.rawUsage, 0);
  const their = r.user ? 'their' : 'its';
  const where = r.user ? ` in ${r.account}` : r.parent ? ` in ${r.parent} (${percent(r.globalShares)} of the cluster)` : ` (${percent(r.globalShares)} of the cluster)`;
  const whose = r.parent ? `${possessive(r.parent)} ` : '';
  const window = `(half-life ${formatHalfLife(halfLifeSec)})`;
  let usage: string;
  if (r.rawUsage <= 0) usage = `used no GPU time recently ${window}`;
  else {
    const used = totalUsage > 0 ? r.rawUsage / totalUsage : 0;
    const share = totalShares > 0 ? r.rawShares / totalShares : 0;
    const verdict = Math.abs(used - share) <= 0.05 * Math.max(share, 0.01) ? `about ${their} share` : used > share ? `more than ${their} share` : `less than ${their} share`;
    usage = `used ${percent(used)} of ${whose}recent GPU time ${window}, ${verdict}`;
  }
  return `${label(r)} has ${r.rawShares} of ${totalShares} shares${where} and ${usage}, so ${standing(r, siblings)}.`;
}
