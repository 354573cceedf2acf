import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobState } from '@sluice/contracts';
import { type Db, jobLogPath } from '@sluice/db';
import { eventually } from './appliance-processes';

/** A job command waits here until the test lets it go on (`letGo`): its end comes when the test says. */
export const WAIT_GO = 'until [ -e "$SLUICE_JOB_DIR/go" ]; do sleep 0.05; done';
/** Each run of a job adds a line with its pid to `runs` in its job directory (`runsOf`). */
export const COUNT_RUN = 'echo $$ >> "$SLUICE_JOB_DIR/runs"';

const jobDir = (stateDir: string, jobId: number | string) => path.join(stateDir, 'jobs', `job-${jobId}`);

export const letGo = (stateDir: string, jobId: number | string) => writeFileSync(path.join(jobDir(stateDir, jobId), 'go'), '');

export const runsOf = (stateDir: string, jobId: number | string) => readFileSync(path.join(jobDir(stateDir, jobId), 'runs'), 'utf8').trim().split('\n');

/** How often each line occurs in a job's log on the portal's side (without the agent's own notes); none before it has one. */
export function logLines(dataDir: string, jobId: number): Record<string, number> {
  const file = jobLogPath(dataDir, jobId);
  const counts: Record<string, number> = {};
  if (!existsSync(file)) return counts;
  for (const line of readFileSync(file, 'utf8').split('\n')) if (line && !line.startsWith('[sluice]')) counts[line] = (counts[line] ?? 0) + 1;
  return counts;
}

/** Waits until a job is in `state`; resolves with the job. */
export const inState = (db: Db, id: number, state: JobState, timeoutMs?: number) =>
  eventually(async () => {
    const j = await db.job.findUniqueOrThrow({ where: { id } });
    return j.state === state && j;
  }, `job ${id} to be ${state}`, timeoutMs);

/** The types of a job's events, oldest first. */
export const eventTypes = async (db: Db, jobId: number) => (await db.jobEvent.findMany({ where: { jobId }, orderBy: { id: 'asc' } })).map((e) => e.type);
