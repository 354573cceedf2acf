/** REST v1 calls the replay needs beyond the CLI's: admin set-up of accounts and users, and the whole job list. */
import { JobList } from '@sluice/contracts';
import { ApiClient, ApiError } from '../../apps/cli/src/client';

export { ApiError };

/** The most jobs one list request returns (the server's cap). */
export const JOB_LIST_LIMIT = 1000;

export class ReplayClient extends ApiClient {
  withToken(token: string): ReplayClient {
    return new ReplayClient(this.url, token);
  }

  /** Creates an account; false when it already exists. */
  async createAccount(name: string, shares: number, description: string): Promise<boolean> {
    return this.created(() => this.call('POST', '/api/v1/accounts', { name, shares, description }));
  }

  /** Creates a local user whose jobs run as `unixUser` (null: as the Unix account of its name); false when the name is taken. */
  async createUser(username: string, password: string, unixUser: string | null): Promise<boolean> {
    return this.created(() => this.call('POST', '/api/v1/users', { username, password, role: 'user', ...(unixUser ? { unixUser } : {}) }));
  }

  /** The Unix account a user's jobs run as (null: the one named like the user). */
  async unixUserOf(username: string): Promise<string | null> {
    const { users } = (await (await this.call('GET', '/api/v1/users')).json()) as { users: { username: string; unixUser: string | null }[] };
    return users.find((u) => u.username === username)?.unixUser ?? null;
  }

  async setMember(account: string, username: string, shares: number): Promise<void> {
    await this.call('PUT', `/api/v1/accounts/${encodeURIComponent(account)}/members/${encodeURIComponent(username)}`, { shares });
  }

  /** Takes a node out of scheduling (admins). */
  async drain(node: string, reason: string): Promise<void> {
    await this.call('POST', `/api/v1/nodes/${encodeURIComponent(node)}/drain`, { reason });
  }

  async undrain(node: string): Promise<void> {
    await this.call('POST', `/api/v1/nodes/${encodeURIComponent(node)}/undrain`);
  }

  /** Everyone's newest jobs (admins), up to JOB_LIST_LIMIT. */
  async allJobs() {
    return JobList.parse(await (await this.call('GET', `/api/v1/jobs?all=true&limit=${JOB_LIST_LIMIT}`)).json()).jobs;
  }

  private async created(request: () => Promise<Response>): Promise<boolean> {
    try {
      await request();
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) return false;
      throw err;
    }
  }
}

/** Runs at most `max` tasks at a time, the rest in arrival order. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiting one.
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Runs `task` for every item, at most `max` at a time. */
export async function forEachLimited<T>(items: Iterable<T>, max: number, task: (item: T) => Promise<void>): Promise<void> {
  const limiter = new Limiter(max);
  await Promise.all([...items].map((item) => limiter.run(() => task(item))));
}
