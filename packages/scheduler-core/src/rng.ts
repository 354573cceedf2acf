/**
 * A small seeded PRNG (mulberry32) implementing `Rng`: callers seed it from
 * the cycle number so a logged snapshot replays to the same plan. Pure: the
 * state lives in the returned object.
 */
import type { Rng } from './types';

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
