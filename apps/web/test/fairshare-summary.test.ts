import { formatHalfLife, formatPercent as percent } from '@sluice/contracts';
import { describe, expect, it } from 'vitest';
import { type FairshareRow, fairshareSummary } from '../src/server/services/fairshare-summary';

const WEEK = 7 * 86_400;
/** A row as the core publishes it; only the fields the sentence reads matter. */
const row = (account: string, user: string | null, parent: string | null, depth: number, rawShares: number, rawUsage: number, levelFairshare: number | null, globalShares = 0): FairshareRow => ({
  account,
  user,
  parent,
  depth,
  rawShares,
  normShares: 0,
  globalShares,
  rawUsage,
  normUsage: 0,
  effectiveUsage: 0,
  levelFairshare,
  fairshareFactor: 0,
  allocatedGpus: 0,
});

// Two labs below the root: lab-a has 2 of 6 shares and used 61% of the GPU time; lab-b 4 of 6 and 39%.
const labA = row('lab-a', null, null, 1, 2, 610, 0.333 / 0.61, 2 / 6);
const labB = row('lab-b', null, null, 1, 4, 390, 0.667 / 0.39, 4 / 6);
const alice = row('lab-a', 'alice', 'lab-a', 2, 1, 500, 0.5 / (500 / 610));
const bob = row('lab-a', 'bob', 'lab-a', 2, 1, 110, 0.5 / (110 / 610));
const carol = row('lab-b', 'carol', 'lab-b', 2, 1, 390, 1);
const rows = [labA, alice, bob, labB, carol];

describe('fair-share summaries', () => {
  it('an over-served account: its share, its usage, and who goes before it', () => {
    expect(fairshareSummary(labA, rows, WEEK)).toBe(
      "lab-a has 2 of 6 shares (33% of the cluster) and used 61% of recent GPU time (half-life 7 days), more than its share, so lab-a's jobs get lower priority than lab-b's.",
    );
  });

  it('an under-served account goes first', () => {
    expect(fairshareSummary(labB, rows, WEEK)).toBe(
      "lab-b has 4 of 6 shares (67% of the cluster) and used 39% of recent GPU time (half-life 7 days), less than its share, so lab-b's jobs get higher priority than lab-a's.",
    );
  });

  it('an account that used nothing beats every sibling that used something', () => {
    const idle = row('lab-c', null, null, 1, 1, 0, null, 1 / 7);
    expect(fairshareSummary(idle, [labA, labB, idle], 3600)).toBe(
      "lab-c has 1 of 7 shares (14% of the cluster) and used no GPU time recently (half-life 1 hour), so lab-c's jobs get higher priority than lab-a's and lab-b's.",
    );
  });

  it('users are compared with the other members of their account', () => {
    expect(fairshareSummary(alice, rows, WEEK)).toBe(
      "alice has 1 of 2 shares in lab-a and used 82% of lab-a's recent GPU time (half-life 7 days), more than their share, so alice's jobs get lower priority than bob's.",
    );
    expect(fairshareSummary(bob, rows, WEEK)).toMatch(/^bob has 1 of 2 shares in lab-a and used 18% of lab-a's .* less than their share, so bob's jobs get higher priority than alice's\.$/);
    expect(fairshareSummary(carol, rows, WEEK)).toMatch(/used 100% of lab-b's recent GPU time .*, about their share, so nothing else competes with carol at this level\.$/);
  });

  it('equal standing ranks level; a nested account names its parent', () => {
    const x = row('x', null, 'physics', 2, 1, 50, 1, 0.25);
    const y = row('optics', null, 'physics', 2, 1, 50, 1, 0.25);
    expect(fairshareSummary(x, [x, y], WEEK)).toBe(
      "x has 1 of 2 shares in physics (25% of the cluster) and used 50% of physics' recent GPU time (half-life 7 days), about its share, so x's jobs rank level with optics'.",
    );
  });

  it('middle of the pack names both sides; long lists are cut short', () => {
    const level = [3, 2, 1, 0.5, 0.4, 0.3].map((lf, i) => row(`a${i}`, null, null, 1, 1, 10 / lf, lf));
    expect(fairshareSummary(level[1] as FairshareRow, level, WEEK)).toMatch(/get lower priority than a0's but higher than a2's, a3's, a4's and 1 others'\.$/);
  });

  it('formats percentages and half-lives', () => {
    expect([percent(0), percent(0.001), percent(0.333), percent(1)]).toEqual(['0%', '<1%', '33%', '100%']);
    expect([formatHalfLife(86_400), formatHalfLife(WEEK), formatHalfLife(600), formatHalfLife(90)]).toEqual(['1 day', '7 days', '10 minutes', '90 seconds']);
  });
});
