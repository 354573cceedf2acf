import type { Db } from '@sluice/db';
import { hashPassword, verifyPassword } from '../auth/password';
import { generateToken } from '../auth/tokens';

export const USERNAME_PATTERN = /^[a-z_][a-z0-9_.-]{0,31}$/;

/**
 * Makes sure the admin account exists. A password given in the environment is (re)applied,
 * so an admin who lost it can set a new one; otherwise a new account gets a generated one,
 * returned so it can be shown once.
 */
export async function ensureAdmin(db: Db, username: string, password: string | undefined): Promise<{ created: boolean; generatedPassword: string | null }> {
  if (!USERNAME_PATTERN.test(username)) throw new Error(`SLUICE_ADMIN_USER: "${username}" is not a valid user name (lowercase letters, digits, . _ -)`);
  const existing = await db.user.findUnique({ where: { username } });
  if (existing) {
    if (password && !(await verifyPassword(existing.passwordHash, password)))
      await db.user.update({ where: { id: existing.id }, data: { passwordHash: await hashPassword(password) } });
    if (existing.role !== 'admin') await db.user.update({ where: { id: existing.id }, data: { role: 'admin' } });
    return { created: false, generatedPassword: null };
  }
  const generated = password ? null : generateToken().slice(0, 20);
  await db.user.create({ data: { username, role: 'admin', passwordHash: await hashPassword(password ?? generated ?? '') } });
  return { created: true, generatedPassword: generated };
}
