/**
 * Before a replay: one account per trace group (with its shares), one Sluice user per trace
 * user, made a member of its groups' accounts, and a bearer token for each user. Existing
 * accounts and users are kept (a second replay on the same Sluice reuses them).
 */
import { ApiError, forEachLimited, type ReplayClient } from './client';
import { type AccountPlan, replayPassword } from './plan';

const SETUP_CONCURRENCY = 8;

export interface ReplaySetup {
  /** A client per user, logged in as that user. */
  clients: Map<string, ReplayClient>;
  /** False when this Sluice has no accounts API: jobs then go to each user's default account. */
  accounts: boolean;
}

export async function setUpReplay(admin: ReplayClient, adminUser: string, adminPassword: string, plan: AccountPlan, say: (m: string) => void): Promise<ReplaySetup> {
  // Trace users have no Unix accounts: their jobs run as the admin's (as the Slurm harness runs every job as root).
  const unixUser = await admin.unixUserOf(adminUser);
  let accounts = true;
  for (const [name, shares] of plan.accounts) {
    try {
      if (!(await admin.createAccount(name, shares, 'trace replay group'))) say(`account ${name} exists already: its shares are left as they are`);
    } catch (err) {
      if (!(err instanceof ApiError && (err.status === 404 || err.status === 405))) throw err;
      say('warning: this Sluice has no /api/v1/accounts: jobs go to the users\' default accounts, so groups are not separate fair-share accounts');
      accounts = false;
      break;
    }
  }
  const clients = new Map<string, ReplayClient>();
  await forEachLimited(plan.members, SETUP_CONCURRENCY, async ([user, groups]) => {
    const password = replayPassword(adminPassword, user);
    await admin.createUser(user, password, unixUser);
    if (accounts) for (const g of groups) await admin.setMember(g, user, 1);
    let token: string;
    try {
      token = (await admin.login(user, password)).token;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw new Error(`user ${user} exists with another password: replay on a fresh Sluice, or with the admin password of the replay that made it`);
      throw err;
    }
    clients.set(user, admin.withToken(token));
  });
  say(`set up ${accounts ? `${plan.accounts.size} accounts and ` : ''}${clients.size} users${unixUser ? ` (jobs run as Unix user ${unixUser})` : ''}`);
  return { clients, accounts };
}
