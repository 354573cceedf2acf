import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JobExit, LaunchSpec, SessionTemplate } from '@sluice/contracts';
import { z } from 'zod';
import { SAFE_JOB_ID } from './job-dir';

/**
 * What the agent keeps on disk about each job it runs, so that a restarted agent finds its
 * workloads again: `<stateDir>/run/job-<id>/`, readable by the agent only (0700; the job's own
 * directory under `jobs/` belongs to its user, who could otherwise forge these files).
 *
 *   job.json       the agent: launch spec, limits, cgroup, supervisor pid, session endpoint, stop asked
 *   output.log     the workload's stdout and stderr (the supervisor opens it; the agent tails it)
 *   output.sent    how far the agent has sent output.log to the scheduler
 *   started.json   the supervisor: the workload's pid, once it runs
 *   exit.json      the supervisor: exit code or signal, once it ended
 *   finished.json  the agent: the end as reported (`JobExit`), kept until the scheduler recorded it
 */
export const RUN_FILES = {
  record: 'job.json',
  output: 'output.log',
  sent: 'output.sent',
  started: 'started.json',
  exit: 'exit.json',
  finished: 'finished.json',
} as const;

const Identity = z.object({ pid: z.number().int().positive(), startTime: z.number().int().min(0) });

const CgroupDirs = z.object({
  unified: z.string().nullable(),
  v2Limits: z.boolean(),
  memory: z.string().nullable(),
  cpu: z.string().nullable(),
  pids: z.string().nullable(),
});

const SessionEndpoint = z.object({
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  baseUrl: z.string(),
  token: z.string(),
  template: SessionTemplate.optional(),
});

export const JobRecord = z.object({
  spec: LaunchSpec,
  limits: z.object({ cpus: z.number().int().min(1), memoryMiB: z.number().int().min(1) }),
  cgroup: CgroupDirs.nullable(),
  /** The port a session's server was given (null for batch jobs). */
  sessionPort: z.number().int().nullable(),
  /** Set as soon as the supervisor runs: a record without one started nothing. */
  supervisor: Identity.nullable(),
  /** A session's endpoint, once its server listens. */
  session: SessionEndpoint.nullable(),
  /** Where the other nodes of a multi-node session join it (a Ray head's GCS), told with session-ready. */
  joinAddress: z.string().nullable().optional(),
  /** Links the launch made outside the job's directory, removed once the workload is gone. */
  links: z.array(z.string()).optional(),
  /** A stop was asked for: the end is reported as stopped, also by an agent started after. */
  stopping: z.boolean(),
  /** The scheduler has no record of this run: it is being stopped, and its end is not reported. */
  discarded: z.boolean(),
});
export type JobRecord = z.infer<typeof JobRecord>;

/** started.json, written by the supervisor (startTime null: it had already ended when looked at). */
export const WorkloadStarted = z.object({ pid: z.number().int().positive(), startTime: z.number().int().nullable() });
export type WorkloadStarted = z.infer<typeof WorkloadStarted>;

/** exit.json, written by the supervisor; `error` when the workload could not be started at all. */
export const WorkloadExit = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  error: z.string().optional(),
  endedAt: z.iso.datetime(),
});
export type WorkloadExit = z.infer<typeof WorkloadExit>;

/** What the agent tells the supervisor to run (on its stdin; never argv, which other users can read). */
export interface SupervisorLaunch {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** cgroup.kill of the job's cgroup (cgroup2, kernel 5.14+), to kill what outlives the workload. */
  killFile: string | null;
}

/** Writes a file so that a reader (or an agent started after a crash) sees the old or the new content, never half. */
export function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

const readParsed = <T>(file: string, schema: z.ZodType<T>): T | null => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return schema.parse(JSON.parse(text));
};

/** One job's directory of records. Files are small and read or written whole, synchronously. */
export class RunDir {
  private current: JobRecord;

  private constructor(
    readonly jobId: string,
    readonly dir: string,
    record: JobRecord,
  ) {
    this.current = record;
  }

  static root(stateDir: string): string {
    return path.join(stateDir, 'run');
  }

  /** Starts a fresh record for a launch (whatever an earlier run of the same job left is gone). */
  static create(stateDir: string, record: JobRecord): RunDir {
    const jobId = record.spec.jobId;
    if (!SAFE_JOB_ID.test(jobId)) throw new Error(`invalid job id ${JSON.stringify(jobId)}`);
    const root = RunDir.root(stateDir);
    mkdirSync(root, { recursive: true, mode: 0o700 });
    const dir = path.join(root, `job-${jobId}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: 0o700 });
    const run = new RunDir(jobId, dir, record);
    writeAtomic(run.file('record'), JSON.stringify(record));
    closeSync(openSync(run.file('output'), constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL, 0o600));
    return run;
  }

  /** Opens an existing record; throws when it is missing or malformed. */
  static open(stateDir: string, jobId: string): RunDir {
    const dir = path.join(RunDir.root(stateDir), `job-${jobId}`);
    const record = readParsed(path.join(dir, RUN_FILES.record), JobRecord);
    if (!record || record.spec.jobId !== jobId) throw new Error(`${dir}: no valid ${RUN_FILES.record}`);
    return new RunDir(jobId, dir, record);
  }

  /** Job ids with a record directory under the state dir. */
  static list(stateDir: string): string[] {
    const root = RunDir.root(stateDir);
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .map((name) => /^job-(.+)$/.exec(name)?.[1])
      .filter((id): id is string => id !== undefined && SAFE_JOB_ID.test(id))
      .sort();
  }

  file(name: keyof typeof RUN_FILES): string {
    return path.join(this.dir, RUN_FILES[name]);
  }

  get record(): JobRecord {
    return this.current;
  }

  update(patch: Partial<JobRecord>): void {
    this.current = { ...this.current, ...patch };
    writeAtomic(this.file('record'), JSON.stringify(this.current));
  }

  /** `update` where failing to write (e.g. a full disk) only costs what a restarted agent would know: false then. */
  tryUpdate(patch: Partial<JobRecord>): boolean {
    try {
      this.update(patch);
      return true;
    } catch {
      return false;
    }
  }

  started(): WorkloadStarted | null {
    return readParsed(this.file('started'), WorkloadStarted);
  }

  exit(): WorkloadExit | null {
    return readParsed(this.file('exit'), WorkloadExit);
  }

  finished(): JobExit | null {
    return readParsed(this.file('finished'), JobExit);
  }

  writeFinished(exit: JobExit): void {
    writeAtomic(this.file('finished'), JSON.stringify(exit));
  }

  /** Keeps a directory the agent cannot make sense of for an admin to look at, out of the way. */
  static setAside(stateDir: string, jobId: string): string {
    const from = path.join(RunDir.root(stateDir), `job-${jobId}`);
    const to = `${from}.broken-${Date.now()}`;
    renameSync(from, to);
    return to;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
