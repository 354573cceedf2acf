import type { Db } from '@sluice/db';
import { AppError } from '../errors';
import { verifyPassword } from './password';
import { type AuthUser, toAuthUser } from './sessions';
import { generateToken, hashToken } from './tokens';

export const API_TOKEN_LIFETIME_DAYS = 90;

/** Checks a username and password; a wrong name and a wrong password look the same. */
export async function checkCredentials(db: Db, username: string, password: string): Promise<AuthUser> {
  const user = await db.user.findUnique({ where: { username } });
  if (!user || !(await verifyPassword(user.passwordHash, password))) throw new AppError('UNAUTHORIZED', 'invalid username or password');
  return toAuthUser(user);
}

export async function issueApiToken(db: Db, userId: number, now: Date, name = ''): Promise<{ token: string; expiresAt: Date }> {
  const token = generateToken('sluice_');
  const expiresAt = new Date(now.getTime() + API_TOKEN_LIFETIME_DAYS * 86_400_000);
  await db.apiToken.create({ data: { tokenHash: hashToken(token), userId, name, expiresAt } });
  return { token, expiresAt };
}

export async function validateApiToken(db: Db, token: string, now: Date): Promise<AuthUser | null> {
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  if (!row || (row.expiresAt && row.expiresAt.getTime() <= now.getTime())) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return toAuthUser(row.user);
}
