import type { IncomingMessage } from 'node:http';
import type { Db } from '@sluice/db';
import type { TtlCache } from '../ttl-cache';
import { validateApiToken } from './api-tokens';
import { type AuthUser, readCookie, SESSION_COOKIE, validateSession } from './sessions';

/** Who is calling: a bearer API token, or (when allowed) the portal's session cookie. */
export async function userFromRequest(db: Db, req: IncomingMessage, now: Date, opts: { allowCookie: boolean; cache?: TtlCache }): Promise<AuthUser | null> {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return validateApiToken(db, auth.slice(7).trim(), now, opts.cache);
  if (!opts.allowCookie) return null;
  const token = readCookie(req.headers.cookie, SESSION_COOKIE);
  return token ? ((await validateSession(db, token, now))?.user ?? null) : null;
}
