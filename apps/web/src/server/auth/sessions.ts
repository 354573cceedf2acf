import type { Db } from '@sluice/db';
import { generateToken, hashToken } from './tokens';

/** Portal login sessions (Lucia-style): random token in a cookie, its SHA-256 in the database. */
export const SESSION_COOKIE = 'sluice_session';
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
/** Sliding expiry: a session used in its last half gets a new full lifetime. */
export const SESSION_RENEW_WITHIN_MS = SESSION_LIFETIME_MS / 2;

export interface AuthUser {
  id: number;
  username: string;
  role: 'admin' | 'user';
}

export const toAuthUser = (u: { id: number; username: string; role: string }): AuthUser => ({
  id: u.id,
  username: u.username,
  role: u.role === 'admin' ? 'admin' : 'user',
});

export async function createSession(db: Db, userId: number, now: Date): Promise<{ token: string; expiresAt: Date }> {
  const token = generateToken();
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
  await db.session.create({ data: { id: hashToken(token), userId, expiresAt } });
  return { token, expiresAt };
}

/** The user behind a session token, renewing its expiry when due; null when invalid or expired. */
export async function validateSession(db: Db, token: string, now: Date): Promise<{ user: AuthUser; expiresAt: Date } | null> {
  const id = hashToken(token);
  const row = await db.session.findUnique({ where: { id }, include: { user: true } });
  if (!row) return null;
  if (row.expiresAt.getTime() <= now.getTime()) {
    await db.session.deleteMany({ where: { id } });
    return null;
  }
  let expiresAt = row.expiresAt;
  if (expiresAt.getTime() - now.getTime() < SESSION_RENEW_WITHIN_MS) {
    expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
    await db.session.update({ where: { id }, data: { expiresAt } });
  }
  return { user: toAuthUser(row.user), expiresAt };
}

export async function invalidateSession(db: Db, token: string): Promise<void> {
  await db.session.deleteMany({ where: { id: hashToken(token) } });
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Expires=${expiresAt.toUTCString()}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export const clearSessionCookie = (secure: boolean): string =>
  [`${SESSION_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0', ...(secure ? ['Secure'] : [])].join('; ');

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=') || null;
  }
  return null;
}
