import { forEachLimited, Limiter, type ReplayClient } from './client';

/**
 * The submission path alone, like the Slurm harness's held jobs (`sbatch --hold`): every node
 * that is up is drained, so nothing starts while `n` one-GPU jobs are submitted (`concurrency`
 * requests in flight); then they are cancelled and the nodes undrained. Returns submissions/s.
 */
export async function measureSubmitPath(admin: ReplayClient, n: number, concurrency: number): Promise<number> {
  const up = (await admin.nodes()).filter((node) => node.state === 'UP').map((node) => node.name);
  for (const node of up) await admin.drain(node, 'throughput test: submissions only');
  try {
    const limiter = new Limiter(concurrency);
    const ids: string[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        limiter.run(async () => {
          ids.push((await admin.submit({ command: 'true', gpus: 1, timeLimitMinutes: 1, name: `submit-path-${i + 1}` })).id);
        }),
      ),
    );
    const rate = n / ((performance.now() - t0) / 1000);
    await forEachLimited(ids, concurrency, async (id) => void (await admin.cancel(id)));
    return rate;
  } finally {
    for (const node of up) await admin.undrain(node);
  }
}
