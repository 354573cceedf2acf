import type { Tx } from './index';

/** Appends to a job's history. Every state change goes through here, inside its transaction. */
export async function recordJobEvent(tx: Tx, jobId: number, type: string, detail = ''): Promise<void> {
  await tx.jobEvent.create({ data: { jobId, type, detail } });
}

/** Appends several entries to job histories in one statement (for changes made in bulk). */
export async function recordJobEvents(tx: Tx, events: { jobId: number; type: string; detail: string }[]): Promise<void> {
  if (events.length > 0) await tx.jobEvent.createMany({ data: events });
}
