import type { GpuReport } from '@sluice/contracts';
import type { Logger } from 'pino';
import type { GpuInventoryProvider } from './gpu/types';

/**
 * Samples the GPUs for a heartbeat. Problems are logged when they change (not every beat);
 * a failed sample is logged and the heartbeat goes without metrics.
 */
export function gpuReporter(provider: GpuInventoryProvider, log: Logger, now: () => Date = () => new Date()): () => Promise<GpuReport | undefined> {
  let lastProblems = '[]';
  return async () => {
    try {
      const s = await provider.sample();
      const problems = JSON.stringify(s.problems);
      if (problems !== lastProblems) {
        if (s.problems.length > 0) log.warn({ problems: s.problems }, 'GPU problems');
        else log.info('GPUs healthy again');
        lastProblems = problems;
      }
      return { at: now().toISOString(), gpus: s.gpus, problems: s.problems };
    } catch (err) {
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'could not sample the GPUs');
      return undefined;
    }
  };
}
