import type { Tx } from './index';

/** Appends to a job's history. Every state change goes through here, inside its transaction. */
export async function recordJobEvent(tx: Tx, jobId: number, type: string, detail = ''): Promise<void> {
  await tx.jobEvent.create({ data: { jobId, type, detail } });
}
