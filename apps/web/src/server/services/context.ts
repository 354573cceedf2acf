import { ACTIVE_JOB_STATES } from '@sluice/contracts';
import type { Db } from '@sluice/db';
import type { AuthUser } from '../auth/sessions';
import { AppError } from '../errors';
import type { SchedulerClient } from '../scheduler-client';
import { TtlCache } from '../ttl-cache';
import { JobWriter } from './job-writer';

/** What every service call gets: the database, the scheduler, the caller, the time. */
export interface ServiceContext {
  db: Db;
  scheduler: SchedulerClient;
  dataDir: string;
  now: () => Date;
  /** Tokens, QOS classes, accounts and the cluster's size, briefly; services that change them clear it. */
  cache: TtlCache;
  /** Writes submitted jobs, many at a time under load. */
  jobs: JobWriter;
}

/** How long the portal trusts what it cached (ttl-cache.ts). */
export const CACHE_TTL_MS = 5000;

export function createServiceContext(base: Omit<ServiceContext, 'cache' | 'jobs'>, cacheTtlMs = CACHE_TTL_MS): ServiceContext {
  return { ...base, cache: new TtlCache(cacheTtlMs), jobs: new JobWriter(base.db) };
}

/** After an admin changed accounts, members, QOS classes or users: forget what was cached, and let the scheduler see it. */
export function settingsChanged(ctx: ServiceContext): void {
  ctx.cache.clear();
  ctx.scheduler.poke();
}

export interface Caller {
  user: AuthUser;
}

export const canSee = (caller: AuthUser, ownerId: number): boolean => caller.role === 'admin' || caller.id === ownerId;

/** Admin-only actions: anyone else gets FORBIDDEN, naming what they tried. */
export function requireAdmin(caller: AuthUser, what: string): void {
  if (caller.role !== 'admin') throw new AppError('FORBIDDEN', `only admins ${what}`);
}

/** Jobs not yet over: waiting, starting or running. */
export const UNFINISHED_STATES: string[] = ['PENDING', ...ACTIVE_JOB_STATES];
