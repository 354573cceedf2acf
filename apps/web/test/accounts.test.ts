import { createTestDb, resetDb } from '@sluice/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuthUser } from '../src/server/auth/sessions';
import { createAccount, deleteAccount, listAccounts, myAccounts, removeMember, setMember, setQuota, updateAccount } from '../src/server/services/accounts';
import { updateUser } from '../src/server/services/users';
import { addPendingJob, addUser, serviceContext } from './harness';

let t: Awaited<ReturnType<typeof createTestDb>>;
let ctx: ReturnType<typeof serviceContext>;
let admin: AuthUser;
let alice: AuthUser;
beforeAll(async () => {
  t = await createTestDb();
});
beforeEach(async () => {
  await resetDb(t.db);
  ctx = serviceContext(t.db, t.dataDir);
  admin = await addUser(t.db, 'root', 'admin');
  alice = await addUser(t.db, 'alice');
});
afterAll(async () => {
  await t.cleanup();
});

const rejects = (p: Promise<unknown>, code: string, message: RegExp) => expect(p).rejects.toMatchObject({ code, message: expect.stringMatching(message) });

describe('account tree', () => {
  it('creates accounts below existing parents and lists them parents first', async () => {
    await createAccount(ctx, admin, { name: 'physics', shares: 3 });
    await createAccount(ctx, admin, { name: 'lab-b', parent: 'physics' });
    await createAccount(ctx, admin, { name: 'lab-a', parent: 'physics', shares: 2, description: 'optics' });
    await createAccount(ctx, admin, { name: 'biology' });
    const list = await listAccounts(ctx, admin);
    expect(list.map((a) => a.name)).toEqual(['biology', 'default', 'physics', 'lab-a', 'lab-b']);
    expect(list[3]).toMatchObject({ name: 'lab-a', parent: 'physics', shares: 2, description: 'optics', members: [], quotas: [] });
    expect(ctx.pokes()).toBe(4);
  });

  it('refuses a missing parent, a duplicate name and bad input, naming the field', async () => {
    await rejects(createAccount(ctx, admin, { name: 'lab-a', parent: 'nowhere' }), 'BAD_REQUEST', /^parent: account nowhere does not exist/);
    await createAccount(ctx, admin, { name: 'lab-a' });
    await rejects(createAccount(ctx, admin, { name: 'lab-a' }), 'CONFLICT', /^name: account lab-a already exists/);
    await rejects(createAccount(ctx, admin, { name: 'has space' }), 'BAD_REQUEST', /^name: /);
    await rejects(createAccount(ctx, admin, { name: 'x', shares: -1 }), 'BAD_REQUEST', /^shares: /);
    await rejects(createAccount(ctx, admin, { name: 'x', colour: 'red' }), 'BAD_REQUEST', /colour/);
    expect((await listAccounts(ctx, admin)).map((a) => a.name)).toEqual(['default', 'lab-a']);
  });

  it('refuses moves that would make a cycle, and allows legal moves', async () => {
    await createAccount(ctx, admin, { name: 'dept' });
    await createAccount(ctx, admin, { name: 'lab', parent: 'dept' });
    await createAccount(ctx, admin, { name: 'group', parent: 'lab' });
    await rejects(updateAccount(ctx, admin, 'dept', { parent: 'group' }), 'BAD_REQUEST', /^parent: group is below dept; .*cycle/);
    await rejects(updateAccount(ctx, admin, 'dept', { parent: 'dept' }), 'BAD_REQUEST', /own parent/);
    await rejects(updateAccount(ctx, admin, 'nope', { shares: 2 }), 'NOT_FOUND', /account nope not found/);
    expect(await updateAccount(ctx, admin, 'group', { parent: 'dept', shares: 5 })).toMatchObject({ parent: 'dept', shares: 5 });
    expect(await updateAccount(ctx, admin, 'group', { parent: null })).toMatchObject({ parent: null });
  });

  it('refuses to delete an account with sub-accounts or unfinished jobs, and deletes it otherwise', async () => {
    await createAccount(ctx, admin, { name: 'dept' });
    await createAccount(ctx, admin, { name: 'lab', parent: 'dept' });
    await rejects(deleteAccount(ctx, admin, 'dept'), 'CONFLICT', /^account dept has sub-accounts \(lab\)/);
    const job = await addPendingJob(t.db, alice.id, { account: 'lab' });
    await rejects(deleteAccount(ctx, admin, 'lab'), 'CONFLICT', /^account lab has 1 pending or running job/);
    await t.db.job.update({ where: { id: job.id }, data: { state: 'COMPLETED' } });
    await setMember(ctx, admin, 'lab', 'alice', { shares: 1 });
    await updateUser(ctx, admin, 'alice', { defaultAccount: 'lab' });
    expect(await deleteAccount(ctx, admin, 'lab')).toEqual({ deleted: 'lab' });
    expect(await deleteAccount(ctx, admin, 'dept')).toEqual({ deleted: 'dept' });
    expect((await listAccounts(ctx, admin)).map((a) => a.name)).toEqual(['default']);
    await rejects(deleteAccount(ctx, admin, 'default'), 'CONFLICT', /^account default is charged when a user belongs to no other account/);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: alice.id } })).defaultAccount).toBeNull();
  });
});

describe('members and quotas', () => {
  it('adds, re-shares and removes members', async () => {
    await createAccount(ctx, admin, { name: 'lab' });
    expect((await setMember(ctx, admin, 'lab', 'alice', { shares: 2 })).members).toEqual([{ user: 'alice', shares: 2 }]);
    expect((await setMember(ctx, admin, 'lab', 'alice', { shares: 5 })).members).toEqual([{ user: 'alice', shares: 5 }]);
    expect((await setMember(ctx, admin, 'lab', 'root', {})).members).toEqual([
      { user: 'alice', shares: 5 },
      { user: 'root', shares: 1 },
    ]);
    await rejects(setMember(ctx, admin, 'lab', 'nobody', { shares: 1 }), 'NOT_FOUND', /user nobody not found/);
    await rejects(setMember(ctx, admin, 'lab', 'alice', { shares: 1.5 }), 'BAD_REQUEST', /^shares: /);
    expect((await removeMember(ctx, admin, 'lab', 'alice')).members).toEqual([{ user: 'root', shares: 1 }]);
    await rejects(removeMember(ctx, admin, 'lab', 'alice'), 'NOT_FOUND', /member alice of account lab not found/);
  });

  it('sets per-pool and all-pool quotas, refuses a guarantee above the maximum, removes a quota set to nothing', async () => {
    await createAccount(ctx, admin, { name: 'lab' });
    await setQuota(ctx, admin, 'lab', '_all', { guaranteedGpus: 4, maxGpus: 8 });
    const a = await setQuota(ctx, admin, 'lab', 'a100', { maxGpus: 2 });
    expect(a.quotas).toEqual([
      { pool: '', guaranteedGpus: 4, maxGpus: 8 },
      { pool: 'a100', guaranteedGpus: null, maxGpus: 2 },
    ]);
    await rejects(setQuota(ctx, admin, 'lab', '_all', { guaranteedGpus: 9, maxGpus: 8 }), 'BAD_REQUEST', /^guaranteedGpus: must not be more than maxGpus/);
    await rejects(setQuota(ctx, admin, 'lab', 'bad pool!', { maxGpus: 1 }), 'BAD_REQUEST', /^pool: /);
    expect((await setQuota(ctx, admin, 'lab', 'a100', { guaranteedGpus: null, maxGpus: null })).quotas).toEqual([{ pool: '', guaranteedGpus: 4, maxGpus: 8 }]);
  });

  it("a user's default account must be one of their accounts; their accounts list it first", async () => {
    await createAccount(ctx, admin, { name: 'lab-a' });
    await createAccount(ctx, admin, { name: 'lab-b' });
    expect(await myAccounts(ctx, alice)).toEqual({ accounts: ['default'], defaultAccount: 'default' });
    await rejects(updateUser(ctx, admin, 'alice', { defaultAccount: 'lab-b' }), 'BAD_REQUEST', /^defaultAccount: alice is not a member of lab-b/);
    await rejects(updateUser(ctx, admin, 'alice', { defaultAccount: 'lab-z' }), 'BAD_REQUEST', /^defaultAccount: account lab-z does not exist/);
    await setMember(ctx, admin, 'lab-a', 'alice', {});
    await setMember(ctx, admin, 'lab-b', 'alice', {});
    expect(await myAccounts(ctx, alice)).toEqual({ accounts: ['lab-a', 'lab-b', 'default'], defaultAccount: 'lab-a' });
    const u = await updateUser(ctx, admin, 'alice', { defaultAccount: 'lab-b', unixUser: 'alice2' });
    expect(u).toMatchObject({ defaultAccount: 'lab-b', unixUser: 'alice2', accounts: ['lab-a', 'lab-b'] });
    expect(await myAccounts(ctx, alice)).toEqual({ accounts: ['lab-b', 'lab-a', 'default'], defaultAccount: 'lab-b' });
    await rejects(updateUser(ctx, admin, 'root', { role: 'user' }), 'CONFLICT', /last admin/);
  });
});

describe('permissions', () => {
  it('refuses every account change to a non-admin, and changes nothing', async () => {
    await createAccount(ctx, admin, { name: 'lab' });
    const forbidden = /^only admins manage accounts/;
    await rejects(listAccounts(ctx, alice), 'FORBIDDEN', forbidden);
    await rejects(createAccount(ctx, alice, { name: 'mine' }), 'FORBIDDEN', forbidden);
    await rejects(updateAccount(ctx, alice, 'lab', { shares: 100 }), 'FORBIDDEN', forbidden);
    await rejects(setMember(ctx, alice, 'lab', 'alice', { shares: 100 }), 'FORBIDDEN', forbidden);
    await rejects(setQuota(ctx, alice, 'lab', '_all', { maxGpus: 100 }), 'FORBIDDEN', forbidden);
    await rejects(deleteAccount(ctx, alice, 'lab'), 'FORBIDDEN', forbidden);
    await rejects(updateUser(ctx, alice, 'alice', { role: 'admin' }), 'FORBIDDEN', /^only admins manage users/);
    expect((await listAccounts(ctx, admin)).find((a) => a.name === 'lab')).toMatchObject({ shares: 1, members: [], quotas: [] });
    expect((await t.db.user.findUniqueOrThrow({ where: { id: alice.id } })).role).toBe('user');
  });
});
