/**
 * Submits planned jobs at their times (timers, at most `concurrency` requests in flight, so one
 * slow request does not delay the rest), then polls the job list until every job has ended;
 * optionally samples every pending job's estimated start on each poll.
 */
import { isFinalJobState, type JobView } from '@sluice/contracts';
import { ApiError, forEachLimited, Limiter, type ReplayClient } from './client';
import { etaRow, type ReplayRecord } from './csv';
import type { PlannedJob } from './plan';

export interface RunOptions {
  /** Client of the user who submits a job. */
  clientFor: (job: PlannedJob) => ReplayClient;
  /** Admin client for polling everyone's jobs. */
  admin: ReplayClient;
  /** Submit with `account: <group>` (false: the user's default account). */
  accounts: boolean;
  concurrency: number;
  /** Seconds between polls; also the ETA sampling period. */
  pollEverySec: number;
  /** Whether jobs are looked at while others are still being submitted (a throughput run waits, as the Slurm harness does). */
  pollWhileSubmitting: boolean;
  sampleEta: boolean;
  say: (m: string) => void;
}

export interface RunResult {
  originMs: number;
  records: ReplayRecord[];
  /** When the last submission was answered, seconds after the origin. */
  lastAnswerSec: number;
  etaRows: string[];
  /** False when Ctrl-C ended the wait early. */
  complete: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SUBMIT_ATTEMPTS = 3;

/** Network errors and 5xx are retried; a 4xx is the request's own fault. */
const retryable = (err: unknown) => !(err instanceof ApiError) || err.status >= 500;

export async function runReplay(jobs: readonly PlannedJob[], opts: RunOptions): Promise<RunResult> {
  const records: ReplayRecord[] = jobs.map((plan) => ({ plan, sluiceId: null, sentAt: null, error: null, view: null }));
  const byId = new Map<string, ReplayRecord>();
  const limiter = new Limiter(opts.concurrency);
  const originMs = Date.now();
  const now = () => (Date.now() - originMs) / 1000;
  let submitted = 0;
  let lastAnswerSec = 0;

  const submit = async (r: ReplayRecord) => {
    const { plan } = r;
    r.sentAt = now();
    for (let attempt = 1; ; attempt++) {
      try {
        const view = await opts.clientFor(plan).submit({
          command: plan.command,
          gpus: plan.gpus,
          timeLimitMinutes: plan.timeLimitMinutes,
          name: plan.name,
          ...(opts.accounts ? { account: plan.group } : {}),
        });
        r.sluiceId = view.id;
        r.view = view;
        byId.set(view.id, r);
        break;
      } catch (err) {
        if (attempt < SUBMIT_ATTEMPTS && retryable(err)) continue;
        r.error = err instanceof Error ? err.message : String(err);
        opts.say(`job ${plan.traceId} was not submitted: ${r.error}`);
        break;
      }
    }
    lastAnswerSec = now();
    if (++submitted % 100 === 0 || submitted === records.length) opts.say(`${submitted}/${records.length} submitted at +${lastAnswerSec.toFixed(1)} s`);
  };
  const submissions = Promise.all(
    records.map((r) => new Promise<void>((resolve) => setTimeout(() => void limiter.run(() => submit(r)).then(resolve), Math.max(0, originMs + r.plan.at * 1000 - Date.now())))),
  );
  let allSubmitted = false;
  void submissions.then(() => {
    allSubmitted = true;
  });

  const open = () => records.filter((r) => r.error === null && !(r.view && isFinalJobState(r.view.state)));
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
  };
  process.once('SIGINT', interrupt);
  const etaRows: string[] = [];
  let lastReport = 0;
  let lastProgress = '';
  let lastProgressAt = Date.now();
  for (;;) {
    await sleep(opts.pollEverySec * 1000);
    if (!allSubmitted && !opts.pollWhileSubmitting) continue;
    const tSample = now();
    // A failed poll (e.g. the portal restarting) is skipped, not fatal: the next one catches up.
    const fresh = await refresh(opts, byId, open()).catch((err: unknown) => {
      opts.say(`poll failed (${err instanceof Error ? err.message : String(err)}); trying again`);
      return new Map<string, JobView>();
    });
    if (opts.sampleEta) {
      for (const [id, v] of fresh) {
        const r = byId.get(id);
        if (r && v.state === 'PENDING') etaRows.push(etaRow(tSample, r.plan.traceId, v.estimatedStart, originMs));
      }
    }
    const left = open();
    if (allSubmitted && left.length === 0) break;
    if (interrupted) {
      opts.say(`interrupted: ${left.length} jobs have not ended; writing what there is`);
      break;
    }
    const progress = left.map((r) => r.view?.state ?? '').join();
    if (progress !== lastProgress) [lastProgress, lastProgressAt] = [progress, Date.now()];
    else if (allSubmitted && Date.now() - lastProgressAt > STALL_MS) {
      opts.say(`giving up: no job changed state for ${STALL_MS / 60_000} minutes; ${left.length} jobs have not ended`);
      break;
    }
    const lost = left.filter((r) => overdue(r, Date.now()));
    if (allSubmitted && lost.length === left.length) {
      opts.say(`giving up on ${lost.length} jobs still ${lost.map((r) => r.view?.state).join('/')} long after their time limit (Sluice lost track of them): ${lost.map((r) => `${r.plan.traceId} (Sluice job ${r.sluiceId})`).join(', ')}`);
      break;
    }
    if (tSample - lastReport >= 60) {
      lastReport = tSample;
      const count = (...states: string[]) => left.filter((r) => r.view && states.includes(r.view.state)).length;
      opts.say(`+${tSample.toFixed(0)} s: ${submitted}/${records.length} submitted, ${count('STARTING', 'RUNNING')} running, ${count('PENDING')} pending`);
    }
  }
  process.off('SIGINT', interrupt);
  return { originMs, records, lastAnswerSec, etaRows, complete: !interrupted };
}

/** Without any job changing state for this long (all submitted), the replay stops waiting. */
const STALL_MS = 10 * 60_000;

/** Scheduler slack after a time limit (stop grace, polling) before a running job counts as lost. */
const OVERDUE_GRACE_MS = 120_000;

/** Still running well past its time limit: the scheduler should have ended it. */
export const overdue = (r: ReplayRecord, nowMs: number): boolean =>
  !!r.view?.startedAt && Date.parse(r.view.startedAt) + r.plan.timeLimitMinutes * 60_000 + OVERDUE_GRACE_MS < nowMs;

/** Updates the records from the job list (and, for open jobs beyond the list's cap, one by one); returns what was read. */
async function refresh(opts: RunOptions, byId: Map<string, ReplayRecord>, openBefore: readonly ReplayRecord[]): Promise<Map<string, JobView>> {
  const fresh = new Map<string, JobView>();
  for (const v of await opts.admin.allJobs()) if (byId.has(v.id)) fresh.set(v.id, v);
  const missing = openBefore.filter((r) => r.sluiceId !== null && !fresh.has(r.sluiceId));
  await forEachLimited(missing, 8, async (r) => {
    const v = await opts.admin.job(r.sluiceId as string);
    fresh.set(v.id, v);
  });
  for (const [id, v] of fresh) {
    const r = byId.get(id);
    if (r) r.view = v;
  }
  return fresh;
}
