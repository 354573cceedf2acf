import { describe, expect, it } from 'vitest';
import { withRetries } from '../src/gateway';

describe('withRetries', () => {
  it('retries a failing handler after each delay and stops once it succeeds', async () => {
    let calls = 0;
    const retried: number[] = [];
    await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw new Error('SQLITE_BUSY');
      },
      (_err, attempt) => retried.push(attempt),
      [0, 0, 0],
    );
    expect(calls).toBe(3);
    expect(retried).toEqual([1, 2]);
  });

  it('gives up with the last error when every attempt fails', async () => {
    let calls = 0;
    const work = async () => {
      calls++;
      throw new Error(`failure ${calls}`);
    };
    await expect(withRetries(work, () => undefined, [0, 0])).rejects.toThrow('failure 3');
  });
});
