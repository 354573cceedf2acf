/**
 * Trace CSV -> jobs (pure: the CLI reads the file). Format:
 * `job_id,user,group,submit_time_s,duration_s,gpus`, columns found by name.
 */
export interface TraceJob {
  id: string;
  user: string;
  group: string;
  /** Seconds since the start of the trace. */
  submit: number;
  /** True run time in seconds. */
  duration: number;
  gpus: number;
}

export function parseTrace(text: string): TraceJob[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`trace has no column ${name}`);
    return i;
  };
  const [iId, iUser, iGroup, iSubmit, iDur, iGpus] = ['job_id', 'user', 'group', 'submit_time_s', 'duration_s', 'gpus'].map(col) as number[];
  const jobs: TraceJob[] = [];
  for (let k = 1; k < lines.length; k++) {
    const f = (lines[k] as string).split(',');
    const job: TraceJob = {
      id: (f[iId as number] ?? '').trim(),
      user: (f[iUser as number] ?? '').trim(),
      group: (f[iGroup as number] ?? '').trim(),
      submit: Number(f[iSubmit as number]),
      duration: Number(f[iDur as number]),
      gpus: Number(f[iGpus as number]),
    };
    if (!job.id || !Number.isFinite(job.submit) || !Number.isFinite(job.duration) || !(job.gpus > 0)) {
      throw new Error(`trace line ${k + 1} is not a job: ${lines[k]}`);
    }
    jobs.push(job);
  }
  return jobs;
}
