import { describe, expect, it } from 'vitest';
import { computeFairshare } from '../src/accounts/fairshare';
import { buildAccountTree } from '../src/accounts/tree';
import { decayUsage, emptyLedger, runningCharges, updateLedger } from '../src/accounts/usage';
import { DEFAULT_SCHEDULER_CONFIG, fairshareReport, mergeConfig } from '../src/index';
import { account, job, node, running, snapshot } from '../src/testing/builders';
import type { ClusterSnapshot } from '../src/types';

/** root -> A (u1 used 10, u2 nothing) and B (u3 used 20, u4 used 10), equal shares. */
function twoLabs(): ClusterSnapshot {
  return snapshot({
    nodes: [node('n1')],
    accounts: [account('A', { users: { u1: 1, u2: 1 } }), account('B', { users: { u3: 1, u4: 1 } })],
    usage: { A: { u1: 10 }, B: { u3: 20, u4: 10 } },
  });
}

const factorOf = (snap: ClusterSnapshot, algorithm: 'fair-tree' | 'classic', acc: string, user: string) => {
  const tree = buildAccountTree(snap);
  return computeFairshare(tree, algorithm).factor[tree.leaf(acc, user)];
};

describe('Fair Tree', () => {
  it('ranks accounts by level fair-share S/U first, then users inside them', () => {
    const snap = twoLabs();
    // A: S=.5, U=.25 -> 2; B: S=.5, U=.75 -> .67, so all of A's users come first.
    // In A, u2 used nothing (infinite) before u1; in B, u4 (S/U 1.5) before u3 (.75).
    expect(factorOf(snap, 'fair-tree', 'A', 'u2')).toBe(1);
    expect(factorOf(snap, 'fair-tree', 'A', 'u1')).toBe(0.75);
    expect(factorOf(snap, 'fair-tree', 'B', 'u4')).toBe(0.5);
    expect(factorOf(snap, 'fair-tree', 'B', 'u3')).toBe(0.25);
  });

  it('gives every user factor 1 when nobody used anything', () => {
    const snap = snapshot({ nodes: [], pending: [job('j1', { account: 'x', user: 'a' }), job('j2', { account: 'y', user: 'b' })] });
    expect(factorOf(snap, 'fair-tree', 'x', 'a')).toBe(1);
    expect(factorOf(snap, 'fair-tree', 'y', 'b')).toBe(1);
  });

  it('merges the children of tied accounts and gives tied users the same rank', () => {
    const snap = snapshot({
      nodes: [],
      accounts: [account('C', { users: { c1: 1 } }), account('D', { users: { d1: 1 } }), account('E', { users: { e1: 1 } })],
      usage: { C: { c1: 10 }, D: { d1: 10 }, E: { e1: 40 } },
    });
    expect(factorOf(snap, 'fair-tree', 'C', 'c1')).toBe(1);
    expect(factorOf(snap, 'fair-tree', 'D', 'd1')).toBe(1);
    expect(factorOf(snap, 'fair-tree', 'E', 'e1')).toBeCloseTo(1 / 3);
  });

  it('is hierarchical: a department that used less puts all its labs first', () => {
    const snap = snapshot({
      nodes: [],
      accounts: [
        account('physics', { shares: 1 }),
        account('bio', { shares: 1 }),
        account('p-lab', { parent: 'physics', users: { p: 1 } }),
        account('b-lab1', { parent: 'bio', users: { b1: 1 } }),
        account('b-lab2', { parent: 'bio', users: { b2: 1 } }),
      ],
      // bio used little in total, but b-lab1 used a lot of it.
      usage: { 'p-lab': { p: 100 }, 'b-lab1': { b1: 50 }, 'b-lab2': { b2: 1 } },
    });
    const b1 = factorOf(snap, 'fair-tree', 'b-lab1', 'b1') as number;
    const p = factorOf(snap, 'fair-tree', 'p-lab', 'p') as number;
    expect(b1).toBeGreaterThan(p);
    expect(factorOf(snap, 'fair-tree', 'b-lab2', 'b2')).toBe(1);
  });

  it('puts zero-share accounts last', () => {
    const snap = snapshot({ nodes: [], accounts: [account('free', { shares: 0, users: { f: 1 } }), account('paid', { users: { p: 1 } })], usage: { paid: { p: 1000 } } });
    expect(factorOf(snap, 'fair-tree', 'free', 'f')).toBeLessThan(factorOf(snap, 'fair-tree', 'paid', 'p') as number);
  });
});

describe('classic fair-share', () => {
  it('is 2^(-U/S) with U the share of all usage and S the share of the cluster', () => {
    const snap = twoLabs();
    expect(factorOf(snap, 'classic', 'A', 'u2')).toBe(1);
    // u1: U = 10/40, S = .5 * .5 -> 2^-1
    expect(factorOf(snap, 'classic', 'A', 'u1')).toBeCloseTo(0.5);
    // u3: U = 20/40, S = .25 -> 2^-2
    expect(factorOf(snap, 'classic', 'B', 'u3')).toBeCloseTo(0.25);
  });
});

describe('usage ledger', () => {
  const config = mergeConfig({ fairshare: { halfLifeSec: 3600, billingWeights: { H100: 2 } } });

  it('halves usage every half-life', () => {
    expect(decayUsage(100, 3_600_000, 3_600_000)).toBeCloseTo(50);
    expect(decayUsage(100, 7_200_000, 3_600_000)).toBeCloseTo(25);
    expect(decayUsage(100, 0, 3_600_000)).toBe(100);
    expect(decayUsage(100, 1000, 0)).toBe(100);
  });

  it('decays old usage and adds billed charges, without changing the old ledger', () => {
    const l0 = updateLedger(emptyLedger(0), 0, [{ account: 'a', user: 'u', gpuSeconds: 100, model: 'H100' }], config);
    expect(l0.usage.a?.u).toBe(200);
    const l1 = updateLedger(l0, 3_600_000, [{ account: 'a', user: 'v', gpuSeconds: 10 }], config);
    expect(l1.usage.a?.u).toBeCloseTo(100);
    expect(l1.usage.a?.v).toBe(10);
    expect(l0.usage.a?.u).toBe(200);
  });

  it('decays a charge spread over an interval by its mean age', () => {
    const l = updateLedger(emptyLedger(0), 3_600_000, [{ account: 'a', user: 'u', gpuSeconds: 3600, overSec: 3600 }], config);
    // integral of 2^(-t/h) over one half-life, divided by it: 1 / (2 ln 2)
    expect(l.usage.a?.u).toBeCloseTo(3600 / (2 * Math.LN2), 3);
  });

  it('charges running jobs for the time since the last update', () => {
    const n = node('n1', 8, { model: 'H100' });
    const r = running('r1', n, 2, { startedAt: 1000, account: 'a', user: 'u' });
    const charges = runningCharges({ nodes: [n], running: [r] }, 0, 11_000);
    expect(charges).toEqual([{ account: 'a', user: 'u', gpuSeconds: 20, overSec: 10, model: 'H100' }]);
  });
});

describe('fairshareReport', () => {
  it('lists accounts and users depth-first with shares, usage and factors, like sshare', () => {
    const snap = twoLabs();
    const n1 = snap.nodes[0];
    if (!n1) throw new Error('no node');
    snap.running.push(running('r1', n1, 3, { account: 'B', user: 'u3' }));
    const rep = fairshareReport(snap, DEFAULT_SCHEDULER_CONFIG);
    expect(rep.rows.map((r) => `${r.account}/${r.user ?? '-'}`)).toEqual(['A/-', 'A/u1', 'A/u2', 'B/-', 'B/u3', 'B/u4']);
    const a = rep.rows[0];
    expect(a).toMatchObject({ rawShares: 1, normShares: 0.5, rawUsage: 10, normUsage: 0.25, levelFairshare: 2, allocatedGpus: 0 });
    const u3 = rep.rows[4];
    expect(u3).toMatchObject({ parent: 'B', globalShares: 0.25, rawUsage: 20, fairshareFactor: 0.25, allocatedGpus: 3 });
    expect(rep.rows[2]?.levelFairshare).toBeNull();
  });
});
