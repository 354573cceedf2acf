import { forEachLimited, Limiter, type ReplayClient } from './client';

const WARM_UP = 50;

/**
 * The submission path alone, like the Slurm harness's held jobs (`sbatch --hold`): every node
 * that is up is drained, so nothing starts while `n` one-GPU jobs are submitted (`concurrency`
 * requests in flight); then they are cancelled and the nodes undrained. Returns submissions/s.
 * A tenth of `n` more (at least WARM_UP) go first, untimed: a portal just started is still
 * compiling its code paths (the first thousand submissions cost it about twice the CPU).
 */
export async function measureSubmitPath(admin: ReplayClient, n: number, concurrency: number): Promise<number> {
  const up = (await admin.nodes()).filter((node) => node.state === 'UP').map((node) => node.name);
  for (const node of up) await admin.drain(node, 'throughput test: submissions only');
  const ids: string[] = [];
  const limiter = new Limiter(concurrency);
  const submitAll = (count: number, first: number) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        limiter.run(async () => {
          ids.push((await admin.submit({ command: 'true', gpus: 1, timeLimitMinutes: 1, name: `submit-path-${first + i}` })).id);
        }),
      ),
    );
  try {
    const warm = Math.max(WARM_UP, Math.ceil(n / 10));
    await submitAll(warm, 1);
    const t0 = performance.now();
    await submitAll(n, warm + 1);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await forEachLimited(ids, concurrency, async (id) => void (await admin.cancel(id)));
    for (const node of up) await admin.undrain(node);
  }
}
