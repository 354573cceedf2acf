import type { Db } from '@sluice/db';
import type { AuthUser } from '../src/server/auth/sessions';
import { createServiceContext, type ServiceContext } from '../src/server/services/context';

/** A service context on a real test database; the scheduler link only counts pokes (no daemon runs here). */
export function serviceContext(db: Db, dataDir: string, now = new Date('2026-11-20T12:00:00Z')): ServiceContext & { pokes: () => number } {
  let pokes = 0;
  const ctx = createServiceContext({
    db,
    dataDir,
    now: () => now,
    scheduler: {
      poke: () => {
        pokes++;
      },
      isUp: async () => false,
    },
  });
  return { ...ctx, pokes: () => pokes };
}

/** Inserts a user (the password hash is never checked by these tests) and returns them as a caller. */
export async function addUser(db: Db, username: string, role: 'admin' | 'user' = 'user'): Promise<AuthUser> {
  const u = await db.user.create({ data: { username, role, passwordHash: 'unused' } });
  return { id: u.id, username: u.username, role };
}

/** Inserts a pending job of `user` charged to `account`. */
export async function addPendingJob(db: Db, userId: number, fields: { account?: string; qos?: string; name?: string; gpus?: number; state?: string } = {}) {
  return db.job.create({
    data: {
      userId,
      name: fields.name ?? 'train',
      command: `python ${fields.name ?? 'train'}.py`,
      gpus: fields.gpus ?? 1,
      timeLimitMinutes: 60,
      account: fields.account ?? 'default',
      qos: fields.qos ?? 'batch',
      state: fields.state ?? 'PENDING',
    },
  });
}
