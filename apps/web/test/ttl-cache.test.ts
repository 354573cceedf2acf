import { describe, expect, it } from 'vitest';
import { NO_CACHE, TtlCache } from '../src/server/ttl-cache';

describe('TtlCache', () => {
  it('loads a key once per TTL, also for callers that arrive while it loads', async () => {
    let now = 0;
    const cache = new TtlCache(1000, () => now);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual([1, 1]);
    now = 999;
    expect(await cache.get('k', load)).toBe(1);
    now = 1000;
    expect(await cache.get('k', load)).toBe(2);
    expect(await cache.get('other', load)).toBe(3);
  });

  it('forgets everything on clear, and never keeps a failed load', async () => {
    const cache = new TtlCache(60_000);
    let loads = 0;
    await cache.get('k', async () => ++loads);
    cache.clear();
    expect(await cache.get('k', async () => ++loads)).toBe(2);
    await expect(cache.get('bad', async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('bad', async () => 'fine')).toBe('fine');
  });

  it('with a TTL of 0 reads every time', async () => {
    let loads = 0;
    await NO_CACHE.get('k', async () => ++loads);
    expect(await NO_CACHE.get('k', async () => ++loads)).toBe(2);
  });
});
