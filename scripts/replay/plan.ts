/**
 * What the live replay submits, from a trace (pure). Job j of the trace is submitted at
 * `submit_time_s / factor` seconds after the replay starts as `sleep d`, d = `duration_s / factor`,
 * with Slurm's whole-minute time limit `ceil((d + 5) / 60)`, exactly like the Slurm harness's
 * replay; its group is its account, its user a Sluice user of that name.
 */
import { createHash } from 'node:crypto';
import type { TraceJob } from '@sluice/scheduler-core/sim';

export interface PlannedJob {
  traceId: string;
  user: string;
  group: string;
  gpus: number;
  /** Seconds after the start of the replay. */
  at: number;
  /** Seconds the job sleeps. */
  seconds: number;
  command: string;
  timeLimitMinutes: number;
  name: string;
}

/** Slurm's time limit for a job that runs `seconds`: whole minutes, 5 s of slack. */
export const slurmTimeLimitMinutes = (seconds: number): number => Math.max(1, Math.ceil((seconds + 5) / 60));

/** Seconds with at most millisecond precision, as `sleep` takes them. */
const sleepArg = (seconds: number): string => String(Math.round(seconds * 1000) / 1000);

const USERNAME = /^[a-z_][a-z0-9_.-]{0,31}$/;

/** The Sluice user for a trace user (lowercase, at most 32 characters); an empty user is `<group>-user`. */
export function sluiceUsername(user: string, group: string): string {
  const raw = (user.trim() || `${group}-user`).toLowerCase().replace(/[^a-z0-9_.-]/g, '_');
  const name = (/^[a-z_]/.test(raw) ? raw : `u${raw}`).slice(0, 32);
  if (!USERNAME.test(name)) throw new Error(`trace user ${JSON.stringify(user)} of group ${JSON.stringify(group)} gives no valid user name`);
  return name;
}

/** A job name the portal accepts: `replay-<trace id>`, other characters as `_`. */
const jobName = (traceId: string) => `replay-${traceId.replace(/[^A-Za-z0-9._ -]/g, '_')}`.slice(0, 128);

export function planReplay(trace: readonly TraceJob[], factor: number): PlannedJob[] {
  if (!(factor > 0)) throw new Error(`--factor must be a positive number, not ${factor}`);
  const seen = new Set<string>();
  const start = Math.min(...trace.map((j) => j.submit));
  return trace
    .map((j) => {
      if (seen.has(j.id)) throw new Error(`trace job id ${j.id} appears twice`);
      seen.add(j.id);
      if (!j.group) throw new Error(`trace job ${j.id} has no group`);
      if (!Number.isInteger(j.gpus)) throw new Error(`trace job ${j.id} asks for ${j.gpus} GPUs: not a whole number`);
      if (j.duration < 0) throw new Error(`trace job ${j.id} has a negative duration`);
      const seconds = j.duration / factor;
      return {
        traceId: j.id,
        user: sluiceUsername(j.user, j.group),
        group: j.group,
        gpus: j.gpus,
        at: (j.submit - start) / factor,
        seconds,
        command: `sleep ${sleepArg(seconds)}`,
        timeLimitMinutes: slurmTimeLimitMinutes(seconds),
        name: jobName(j.id),
      };
    })
    .sort((a, b) => a.at - b.at);
}

/** `g1=2,g2=1` -> { g1: 2, g2: 1 }. */
export function parseShares(text: string): Record<string, number> {
  const shares: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)=(\d+)$/.exec(part);
    if (!m?.[1] || !m[2]) throw new Error(`--shares: ${JSON.stringify(part)} is not <account>=<whole number of shares>, e.g. g1=2`);
    const w = Number(m[2]);
    if (!(w > 0)) throw new Error(`--shares: ${m[1]} needs shares above 0`);
    shares[m[1]] = w;
  }
  return shares;
}

export interface AccountPlan {
  /** Account name -> shares (1 unless --shares says otherwise). */
  accounts: Map<string, number>;
  /** Every user and the accounts (groups) it submits to. */
  members: Map<string, Set<string>>;
}

export function planAccounts(jobs: readonly PlannedJob[], shares: Record<string, number>): AccountPlan {
  const accounts = new Map<string, number>();
  const members = new Map<string, Set<string>>();
  for (const j of jobs) {
    accounts.set(j.group, shares[j.group] ?? 1);
    members.set(j.user, (members.get(j.user) ?? new Set()).add(j.group));
  }
  const unknown = Object.keys(shares).filter((g) => !accounts.has(g));
  if (unknown.length > 0) throw new Error(`--shares names groups the trace does not have: ${unknown.join(', ')}`);
  return { accounts, members };
}

/** The replay user's password: derived from the admin's, so a second replay on the same Sluice can log in again. */
export const replayPassword = (adminPassword: string, username: string): string =>
  `replay-${createHash('sha256').update(`${adminPassword}\0${username}`).digest('hex').slice(0, 24)}`;
