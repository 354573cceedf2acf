import { UNIX_NAME, UserUpdateInput } from '@sluice/contracts';
import type { Db } from '@sluice/db';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../auth/password';
import type { AuthUser } from '../auth/sessions';
import { generateToken } from '../auth/tokens';
import { AppError, notFound, parseInput } from '../errors';
import { requireAdmin, type ServiceContext } from './context';

export const USERNAME_PATTERN = UNIX_NAME;

/**
 * Makes sure the admin account exists. A password given in the environment is (re)applied,
 * so an admin who lost it can set a new one; otherwise a new account gets a generated one,
 * returned so it can be shown once. `unixUser`, when given, is the Unix account the admin's
 * jobs run as (the all-in-one appliance's own): set on a new admin, and on one that has none
 * or one the appliance says cannot work (`replaceUnixUser`).
 */
export async function ensureAdmin(
  db: Db,
  username: string,
  password: string | undefined,
  unix?: { unixUser: string; replaceUnixUser?: (current: string) => boolean },
): Promise<{ created: boolean; generatedPassword: string | null }> {
  if (!USERNAME_PATTERN.test(username)) throw new Error(`SLUICE_ADMIN_USER: "${username}" is not a valid user name (lowercase letters, digits, . _ -)`);
  const existing = await db.user.findUnique({ where: { username } });
  if (existing) {
    if (password && !(await verifyPassword(existing.passwordHash, password)))
      await db.user.update({ where: { id: existing.id }, data: { passwordHash: await hashPassword(password) } });
    if (existing.role !== 'admin') await db.user.update({ where: { id: existing.id }, data: { role: 'admin' } });
    if (unix && existing.unixUser !== unix.unixUser && (existing.unixUser === null || unix.replaceUnixUser?.(existing.unixUser)))
      await db.user.update({ where: { id: existing.id }, data: { unixUser: unix.unixUser } });
    return { created: false, generatedPassword: null };
  }
  const generated = password ? null : generateToken().slice(0, 20);
  await db.user.create({ data: { username, role: 'admin', unixUser: unix?.unixUser ?? null, passwordHash: await hashPassword(password ?? generated ?? '') } });
  return { created: true, generatedPassword: generated };
}

export const UserCreateInput = z.strictObject({
  username: z.string().regex(USERNAME_PATTERN, 'username: lowercase letters, digits, . _ - (at most 32, like a Unix account name)'),
  password: z.string().min(8, 'password must be at least 8 characters').max(1024),
  role: z.enum(['admin', 'user']).default('user'),
  unixUser: z.string().regex(USERNAME_PATTERN).optional(),
});

export const UserView = z.object({
  id: z.number(),
  username: z.string(),
  role: z.enum(['admin', 'user']),
  unixUser: z.string().nullable(),
  defaultAccount: z.string().nullable(),
  /** Accounts the user belongs to, by name. */
  accounts: z.array(z.string()),
  createdAt: z.iso.datetime(),
});
export type UserView = z.infer<typeof UserView>;

const userInclude = { memberships: { select: { accountName: true }, orderBy: { accountName: 'asc' } } } as const;
type UserRow = { id: number; username: string; role: string; unixUser: string | null; defaultAccount: string | null; createdAt: Date; memberships: { accountName: string }[] };

const toUserView = (u: UserRow): UserView => ({
  id: u.id,
  username: u.username,
  role: u.role === 'admin' ? 'admin' : 'user',
  unixUser: u.unixUser,
  defaultAccount: u.defaultAccount,
  accounts: u.memberships.map((m) => m.accountName),
  createdAt: u.createdAt.toISOString(),
});

const mustBeAdmin = (caller: AuthUser) => requireAdmin(caller, 'manage users');

/** Local accounts, created by an admin. */
export async function createUser(ctx: ServiceContext, caller: AuthUser, raw: unknown): Promise<UserView> {
  mustBeAdmin(caller);
  const input = parseInput(UserCreateInput, raw);
  if (await ctx.db.user.findUnique({ where: { username: input.username } })) throw new AppError('CONFLICT', `username: ${input.username} already exists`);
  const user = await ctx.db.user.create({
    data: { username: input.username, role: input.role, unixUser: input.unixUser ?? null, passwordHash: await hashPassword(input.password) },
    include: userInclude,
  });
  return toUserView(user);
}

export async function listUsers(ctx: ServiceContext, caller: AuthUser): Promise<UserView[]> {
  mustBeAdmin(caller);
  return (await ctx.db.user.findMany({ orderBy: { username: 'asc' }, include: userInclude })).map(toUserView);
}

/** Admins set a user's Unix account, default account (one they belong to) and role. */
export async function updateUser(ctx: ServiceContext, caller: AuthUser, username: string, raw: unknown): Promise<UserView> {
  mustBeAdmin(caller);
  const input = parseInput(UserUpdateInput, raw);
  const user = await ctx.db.user.findUnique({ where: { username }, include: userInclude });
  if (!user) throw notFound(`user ${username}`);
  const account = input.defaultAccount;
  if (account) {
    if (!(await ctx.db.account.findUnique({ where: { name: account } }))) throw new AppError('BAD_REQUEST', `defaultAccount: account ${account} does not exist`);
    if (!user.memberships.some((m) => m.accountName === account))
      throw new AppError('BAD_REQUEST', `defaultAccount: ${username} is not a member of ${account}; add them to it first`);
  }
  if (input.role === 'user' && user.role === 'admin' && (await ctx.db.user.count({ where: { role: 'admin' } })) <= 1)
    throw new AppError('CONFLICT', `role: ${username} is the last admin`);
  const updated = await ctx.db.user.update({ where: { id: user.id }, data: input, include: userInclude });
  ctx.cache.clear();
  return toUserView(updated);
}
