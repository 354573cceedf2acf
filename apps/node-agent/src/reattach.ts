import { JobRun, type RunDeps } from './job-run';
import { RunDir } from './job-state';

/**
 * An agent starting on a state dir an earlier agent used: every job with records there becomes a
 * run again (job-run.ts, `JobRun.reattach`): still running → adopted, ended → reported until the
 * scheduler records it, never got under way → forgotten. Records it cannot read are set aside for
 * an admin (their workload, if any, is not touched) and reported in the log.
 */
export function reattachRuns(deps: RunDeps): JobRun[] {
  const runs: JobRun[] = [];
  for (const jobId of RunDir.list(deps.stateDir)) {
    try {
      const run = JobRun.reattach(deps, jobId);
      if (run) runs.push(run);
    } catch (err) {
      const kept = RunDir.setAside(deps.stateDir, jobId);
      deps.log.error({ jobId, err: err instanceof Error ? err.message : String(err), kept }, 'cannot read what an earlier agent recorded about this job; set aside');
    }
  }
  if (runs.length > 0) {
    const by = (p: string) => runs.filter((r) => r.phase === p).map((r) => r.jobId);
    deps.log.info({ running: by('running'), ended: by('ended'), discarding: by('discarding') }, 'carried on with the jobs an earlier agent left');
  }
  return runs;
}
