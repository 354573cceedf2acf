import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A Unix account as the node's name service (files, LDAP, SSSD...) knows it. */
export interface UnixAccount {
  name: string;
  uid: number;
  gid: number;
  /** Every group id it is in, the primary one included (`id -G`). */
  groups: number[];
  home: string;
  shell: string;
}

/** Which accounts the agent may run workloads as. */
export interface AccountPolicy {
  /** Lowest uid a workload may run as when the agent is root (like Slurm's and Open OnDemand's 1000). */
  minUid: number;
  /** The agent's own uid: when it is not 0 the agent can only run workloads as itself. */
  agentUid: number;
}

/** The job cannot run as this account: reported as NoUnixAccount. */
export class AccountRefused extends Error {}

/**
 * Names a Unix account may have: the POSIX portable set plus `@` (SSSD and Active Directory
 * names such as alice@lab). Never starts with `-`, so it is never read as an option.
 */
const ACCOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;

/** One line of `getent passwd`: name:password:uid:gid:gecos:home:shell. */
export function parsePasswdLine(line: string): Omit<UnixAccount, 'groups'> | null {
  const f = line.trim().split(':');
  if (f.length !== 7) return null;
  const [name, , uid, gid, , home, shell] = f as [string, string, string, string, string, string, string];
  if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return null;
  return { name, uid: Number(uid), gid: Number(gid), home, shell };
}

const exitCodeOf = (err: unknown): number | null => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : null;
};

/** Looks an account up through NSS (so LDAP and SSSD users work), with its groups. */
export async function lookUpAccount(name: string): Promise<UnixAccount | null> {
  if (!ACCOUNT_NAME.test(name)) throw new AccountRefused(`"${name}" is not a valid Unix account name`);
  // Both at once (launch latency): `id` fails too when there is no such account.
  const [passwd, ids] = await Promise.allSettled([run('getent', ['passwd', '--', name], { timeout: 10_000 }), run('id', ['-G', '--', name], { timeout: 10_000 })]);
  if (passwd.status === 'rejected') {
    // getent exits 2 when the key is not found.
    if (exitCodeOf(passwd.reason) === 2) return null;
    throw passwd.reason;
  }
  const entry = parsePasswdLine(passwd.value.stdout.split('\n')[0] ?? '');
  if (!entry) throw new Error(`getent passwd ${name}: unreadable answer`);
  if (ids.status === 'rejected') throw ids.reason;
  const groupIds = ids.value.stdout.trim().split(/\s+/).map(Number);
  const groups = [...new Set([entry.gid, ...groupIds.filter((g) => Number.isInteger(g) && g >= 0)])];
  return { ...entry, groups };
}

/** Checks the account against the policy: never root, never below the minimum uid, never another user when the agent is not root. */
export function checkAccount(account: UnixAccount, policy: AccountPolicy): void {
  if (account.uid === 0 || account.gid === 0) throw new AccountRefused(`Unix account ${account.name} is root (uid 0 or gid 0): Sluice never runs workloads as root`);
  if (policy.agentUid !== 0) {
    if (account.uid !== policy.agentUid) {
      const me = os.userInfo().username;
      throw new AccountRefused(`the node agent is not root (it runs as ${me}), so it can only run workloads as ${me}, not as ${account.name}`);
    }
    return;
  }
  if (account.uid < policy.minUid) throw new AccountRefused(`Unix account ${account.name} has uid ${account.uid}, below the lowest uid allowed for workloads (${policy.minUid})`);
}

/**
 * Remembers the accounts `lookUp` found for `ttlMs`: a burst of launches for one user (a job
 * array, many small jobs) runs `getent` and `id` once, not twice per job (tens of milliseconds
 * each on a busy node). An account not found is never remembered: one made a moment ago is found.
 */
export function rememberAccounts(lookUp: (name: string) => Promise<UnixAccount | null>, ttlMs = 30_000, now: () => number = Date.now) {
  const recent = new Map<string, { at: number; account: Promise<UnixAccount | null> }>();
  return async (name: string): Promise<UnixAccount | null> => {
    const t = now();
    let entry = recent.get(name);
    if (!entry || t - entry.at >= ttlMs) {
      entry = { at: t, account: lookUp(name) };
      recent.set(name, entry);
    }
    const mine = entry;
    const forget = () => {
      if (recent.get(name) === mine) recent.delete(name);
    };
    const account = await mine.account.catch((err: unknown) => {
      forget();
      throw err;
    });
    if (!account) forget();
    return account;
  };
}

const lookUpRecent = rememberAccounts(lookUpAccount);

/** The account a job runs as, or AccountRefused with a message for the user. */
export async function resolveAccount(name: string, policy: AccountPolicy): Promise<UnixAccount> {
  const account = await lookUpRecent(name);
  if (!account) throw new AccountRefused(`no Unix account "${name}" on node ${os.hostname()}`);
  checkAccount(account, policy);
  return account;
}
