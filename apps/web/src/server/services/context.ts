import { ACTIVE_JOB_STATES } from '@sluice/contracts';
import type { Db } from '@sluice/db';
import type { AuthUser } from '../auth/sessions';
import { AppError } from '../errors';
import type { SchedulerClient } from '../scheduler-client';

/** What every service call gets: the database, the scheduler, the caller, the time. */
export interface ServiceContext {
  db: Db;
  scheduler: SchedulerClient;
  dataDir: string;
  now: () => Date;
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
