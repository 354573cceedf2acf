import { AccountCreateInput, AccountUpdateInput, type AccountView, ALL_POOLS, Identifier, MemberInput, QuotaInput } from '@sluice/contracts';
import type { Db, Prisma } from '@sluice/db';
import type { AuthUser } from '../auth/sessions';
import { AppError, notFound, parseInput } from '../errors';
import { requireAdmin, type ServiceContext, settingsChanged, UNFINISHED_STATES } from './context';
import { OPEN_ACCOUNT } from './job-policy';

/** The fair-share account tree (like `sacctmgr`): accounts, their members and per-pool quotas. Admins only. */

const accountInclude = { members: { include: { user: { select: { username: true } } } }, quotas: true } as const;
type AccountRow = Prisma.AccountGetPayload<{ include: typeof accountInclude }>;

const toAccountView = (a: AccountRow): AccountView => ({
  name: a.name,
  parent: a.parent,
  shares: a.shares,
  description: a.description,
  budgetGpuHours: a.budgetGpuHours,
  members: a.members.map((m) => ({ user: m.user.username, shares: m.shares })).sort((x, y) => x.user.localeCompare(y.user)),
  quotas: a.quotas.map((q) => ({ pool: q.pool, guaranteedGpus: q.guaranteedGpus, maxGpus: q.maxGpus })).sort((x, y) => x.pool.localeCompare(y.pool)),
  createdAt: a.createdAt.toISOString(),
});

/** Depth-first, parents before children, siblings by name: the order a tree table shows. */
export function treeOrder<T extends { name: string; parent: string | null }>(accounts: T[]): T[] {
  const names = new Set(accounts.map((a) => a.name));
  const children = new Map<string | null, T[]>();
  for (const a of accounts) {
    const p = a.parent !== null && names.has(a.parent) ? a.parent : null;
    children.set(p, [...(children.get(p) ?? []), a]);
  }
  const out: T[] = [];
  const walk = (p: string | null) => {
    for (const a of (children.get(p) ?? []).sort((x, y) => x.name.localeCompare(y.name))) {
      out.push(a);
      walk(a.name);
    }
  };
  walk(null);
  return out;
}

export async function listAccounts(ctx: ServiceContext, caller: AuthUser): Promise<AccountView[]> {
  requireAdmin(caller, 'manage accounts');
  return treeOrder((await ctx.db.account.findMany({ include: accountInclude })).map(toAccountView));
}

async function loadAccount(db: Db, name: string): Promise<AccountRow> {
  const a = await db.account.findUnique({ where: { name }, include: accountInclude });
  if (!a) throw notFound(`account ${name}`);
  return a;
}

export async function getAccount(ctx: ServiceContext, caller: AuthUser, name: string): Promise<AccountView> {
  requireAdmin(caller, 'manage accounts');
  return toAccountView(await loadAccount(ctx.db, name));
}

/** The parent must exist, and an account may not end up below itself. */
async function checkParent(db: Db, name: string, parent: string | null | undefined): Promise<void> {
  if (parent === null || parent === undefined) return;
  if (parent === name) throw new AppError('BAD_REQUEST', `parent: ${name} cannot be its own parent`);
  const parents = new Map((await db.account.findMany({ select: { name: true, parent: true } })).map((a) => [a.name, a.parent]));
  if (!parents.has(parent)) throw new AppError('BAD_REQUEST', `parent: account ${parent} does not exist`);
  const seen = new Set<string>();
  for (let p: string | null | undefined = parent; p; p = parents.get(p)) {
    if (p === name) throw new AppError('BAD_REQUEST', `parent: ${parent} is below ${name}; moving ${name} there would make a cycle`);
    if (seen.has(p)) break;
    seen.add(p);
  }
}

export async function createAccount(ctx: ServiceContext, caller: AuthUser, raw: unknown): Promise<AccountView> {
  requireAdmin(caller, 'manage accounts');
  const input = parseInput(AccountCreateInput, raw);
  if (await ctx.db.account.findUnique({ where: { name: input.name } })) throw new AppError('CONFLICT', `name: account ${input.name} already exists`);
  await checkParent(ctx.db, input.name, input.parent);
  await ctx.db.account.create({
    data: { name: input.name, parent: input.parent ?? null, shares: input.shares, description: input.description, budgetGpuHours: input.budgetGpuHours ?? null },
  });
  settingsChanged(ctx);
  return toAccountView(await loadAccount(ctx.db, input.name));
}

export async function updateAccount(ctx: ServiceContext, caller: AuthUser, name: string, raw: unknown): Promise<AccountView> {
  requireAdmin(caller, 'manage accounts');
  const input = parseInput(AccountUpdateInput, raw);
  await loadAccount(ctx.db, name);
  await checkParent(ctx.db, name, input.parent);
  await ctx.db.account.update({ where: { name }, data: input });
  settingsChanged(ctx);
  return toAccountView(await loadAccount(ctx.db, name));
}

/** Refused while it has sub-accounts or jobs waiting or running on it, so nothing is orphaned. */
export async function deleteAccount(ctx: ServiceContext, caller: AuthUser, name: string): Promise<{ deleted: string }> {
  requireAdmin(caller, 'manage accounts');
  await loadAccount(ctx.db, name);
  if (name === OPEN_ACCOUNT) throw new AppError('CONFLICT', `account ${OPEN_ACCOUNT} is charged when a user belongs to no other account; it cannot be deleted`);
  const children = await ctx.db.account.findMany({ where: { parent: name }, select: { name: true }, orderBy: { name: 'asc' } });
  if (children.length > 0)
    throw new AppError('CONFLICT', `account ${name} has sub-accounts (${children.map((c) => c.name).join(', ')}); move or delete them first`);
  const active = await ctx.db.job.count({ where: { account: name, state: { in: UNFINISHED_STATES } } });
  if (active > 0) throw new AppError('CONFLICT', `account ${name} has ${active} pending or running job(s); wait for them or cancel them first`);
  await ctx.db.$transaction([
    ctx.db.user.updateMany({ where: { defaultAccount: name }, data: { defaultAccount: null } }),
    ctx.db.account.delete({ where: { name } }),
  ]);
  settingsChanged(ctx);
  return { deleted: name };
}

async function userIdOf(db: Db, username: string): Promise<number> {
  const u = await db.user.findUnique({ where: { username }, select: { id: true } });
  if (!u) throw notFound(`user ${username}`);
  return u.id;
}

/** Adds a user to an account, or changes their shares in it. */
export async function setMember(ctx: ServiceContext, caller: AuthUser, account: string, username: string, raw: unknown): Promise<AccountView> {
  requireAdmin(caller, 'manage accounts');
  const input = parseInput(MemberInput, raw ?? {});
  await loadAccount(ctx.db, account);
  const userId = await userIdOf(ctx.db, username);
  await ctx.db.accountMember.upsert({
    where: { accountName_userId: { accountName: account, userId } },
    create: { accountName: account, userId, shares: input.shares },
    update: { shares: input.shares },
  });
  settingsChanged(ctx);
  return toAccountView(await loadAccount(ctx.db, account));
}

export async function removeMember(ctx: ServiceContext, caller: AuthUser, account: string, username: string): Promise<AccountView> {
  requireAdmin(caller, 'manage accounts');
  await loadAccount(ctx.db, account);
  const userId = await userIdOf(ctx.db, username);
  const gone = await ctx.db.accountMember.deleteMany({ where: { accountName: account, userId } });
  if (gone.count === 0) throw notFound(`member ${username} of account ${account}`);
  await ctx.db.user.updateMany({ where: { id: userId, defaultAccount: account }, data: { defaultAccount: null } });
  settingsChanged(ctx);
  return toAccountView(await loadAccount(ctx.db, account));
}

/** `_all` (or "") = the quota over all pools together. Both limits null removes the quota. */
export async function setQuota(ctx: ServiceContext, caller: AuthUser, account: string, rawPool: string, raw: unknown): Promise<AccountView> {
  requireAdmin(caller, 'manage accounts');
  const pool = rawPool === ALL_POOLS ? '' : rawPool;
  if (pool !== '' && !Identifier.safeParse(pool).success) throw new AppError('BAD_REQUEST', `pool: "${rawPool}" is not a pool name (use ${ALL_POOLS} for all pools)`);
  const input = parseInput(QuotaInput, raw ?? {});
  await loadAccount(ctx.db, account);
  const where = { accountName_pool: { accountName: account, pool } };
  if (input.guaranteedGpus === null && input.maxGpus === null) await ctx.db.quota.deleteMany({ where: { accountName: account, pool } });
  else await ctx.db.quota.upsert({ where, create: { accountName: account, pool, ...input }, update: input });
  settingsChanged(ctx);
  return toAccountView(await loadAccount(ctx.db, account));
}

/** The accounts a user may charge jobs to (their memberships and the open `default`), their default first. */
export async function myAccounts(ctx: ServiceContext, caller: AuthUser): Promise<{ accounts: string[]; defaultAccount: string }> {
  const user = await ctx.db.user.findUnique({
    where: { id: caller.id },
    select: { defaultAccount: true, memberships: { select: { accountName: true }, orderBy: { accountName: 'asc' } } },
  });
  const memberOf = user?.memberships.map((m) => m.accountName) ?? [];
  // The same choice submit makes when a job names no account (job-policy.ts).
  const preferred = user?.defaultAccount ?? memberOf[0] ?? OPEN_ACCOUNT;
  return { accounts: [...new Set([preferred, ...memberOf, OPEN_ACCOUNT])], defaultAccount: preferred };
}
