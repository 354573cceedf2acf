import type { Db } from '@sluice/db';
import { AppError } from '../errors';
import { NO_CACHE, type TtlCache } from '../ttl-cache';
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

/** The caller behind an API token; null when unknown or expired. With a cache, a token is looked up once per TTL. */
export async function validateApiToken(db: Db, token: string, now: Date, cache: TtlCache = NO_CACHE): Promise<AuthUser | null> {
  const tokenHash = hashToken(token);
  const row = await cache.get(`token:${tokenHash}`, () => lookUpToken(db, tokenHash, now));
  if (!row || (row.expiresAt && row.expiresAt.getTime() <= now.getTime())) return null;
  return row.user;
}

async function lookUpToken(db: Db, tokenHash: string, now: Date): Promise<{ user: AuthUser; expiresAt: Date | null } | null> {
  const row = await db.apiToken.findUnique({ where: { tokenHash }, include: { user: true } });
  if (!row || (row.expiresAt && row.expiresAt.getTime() <= now.getTime())) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { user: toAuthUser(row.user), expiresAt: row.expiresAt };
}
