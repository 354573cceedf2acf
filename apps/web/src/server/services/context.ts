import type { Db } from '@sluice/db';
import type { AuthUser } from '../auth/sessions';
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
