import { type Db, type Job, type Prisma, recordJobEvents } from '@sluice/db';

interface Queued {
  data: Prisma.JobCreateManyInput;
  /** The detail of the job's first history entry (PENDING). */
  event: string;
  resolve: (job: Job) => void;
  reject: (err: unknown) => void;
}

/** At most this many jobs per transaction. */
const MAX_BATCH = 500;
/**
 * How long the first job of a batch waits for others. Requests that arrive together are parsed over
 * several turns of the event loop, so without it a burst was written one or two jobs at a time.
 */
const GATHER_MS = 2;

/**
 * Writes new jobs, each with its PENDING history entry. Jobs submitted within GATHER_MS of each
 * other, or while a write is under way, are written together in one transaction of two
 * statements (a group commit): under a burst of submissions the database's write lock is taken
 * once per batch, not once per job. If a batch fails, its jobs are written one by one, so a bad
 * one fails alone.
 */
export class JobWriter {
  private queue: Queued[] = [];
  private writing = false;
  private scheduled = false;

  constructor(private readonly db: Db) {}

  insert(data: Prisma.JobCreateManyInput, event: string): Promise<Job> {
    return new Promise<Job>((resolve, reject) => {
      this.queue.push({ data, event, resolve, reject });
      if (this.scheduled || this.writing) return;
      this.scheduled = true;
      setTimeout(() => {
        this.scheduled = false;
        void this.drain();
      }, GATHER_MS);
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          settle(batch, await this.write(batch));
        } catch (err) {
          if (batch.length === 1) batch[0]?.reject(err);
          else for (const one of batch) await this.write([one]).then((jobs) => settle([one], jobs), one.reject);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private write(batch: Queued[]): Promise<Job[]> {
    return this.db.$transaction(async (tx) => {
      // Inserted in the order given, so ascending ids match the batch's order.
      const jobs = (await tx.job.createManyAndReturn({ data: batch.map((q) => q.data) })).sort((a, b) => a.id - b.id);
      await recordJobEvents(
        tx,
        jobs.map((j, i) => ({ jobId: j.id, type: 'PENDING', detail: batch[i]?.event ?? '' })),
      );
      return jobs;
    });
  }
}

function settle(batch: Queued[], jobs: Job[]): void {
  batch.forEach((q, i) => {
    const job = jobs[i];
    if (job) q.resolve(job);
    else q.reject(new Error('job not written'));
  });
}
