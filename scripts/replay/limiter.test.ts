import { describe, expect, it } from 'vitest';
import { Limiter } from './client';

describe('Limiter', () => {
  it('never runs more than its maximum at once, and runs every task in arrival order', async () => {
    const limiter = new Limiter(3);
    const gates: (() => void)[] = [];
    const started: number[] = [];
    let active = 0;
    let most = 0;
    const tasks = Array.from({ length: 10 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        most = Math.max(most, ++active);
        await new Promise<void>((r) => gates.push(r));
        active--;
        return i;
      }),
    );
    const flush = () => new Promise((r) => setImmediate(r));
    // Open the gates one by one; a late arrival comes just as a slot is handed over.
    let late: Promise<number> | null = null;
    for (let k = 0; k < 11; k++) {
      await flush();
      if (k === 4) late = limiter.run(async () => started.push(99));
      gates.shift()?.();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await late;
    expect(most).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 99]);
  });
});
