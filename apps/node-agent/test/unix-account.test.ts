import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { AccountRefused, checkAccount, lookUpAccount, parsePasswdLine, rememberAccounts, type UnixAccount } from '../src/unix-account';

const account = (over: Partial<UnixAccount>): UnixAccount => ({ name: 'alice', uid: 1001, gid: 1001, groups: [1001], home: '/home/alice', shell: '/bin/bash', ...over });

describe('Unix accounts', () => {
  it('parses getent passwd lines', () => {
    expect(parsePasswdLine('alice:x:1001:1002:Alice A.,,,:/home/alice:/bin/bash\n')).toEqual({ name: 'alice', uid: 1001, gid: 1002, home: '/home/alice', shell: '/bin/bash' });
    expect(parsePasswdLine('alice@lab:*:200001:200001::/home/alice:/bin/zsh')).toMatchObject({ name: 'alice@lab', uid: 200001 });
    expect(parsePasswdLine('broken:x:abc:1:::')).toBeNull();
    expect(parsePasswdLine('')).toBeNull();
  });

  it('looks accounts up through NSS, with every group', async () => {
    const me = os.userInfo();
    const found = await lookUpAccount(me.username);
    expect(found).toMatchObject({ name: me.username, uid: me.uid, gid: me.gid, home: me.homedir });
    expect(found?.groups).toContain(me.gid);
    expect(await lookUpAccount('no-such-user-sluice-test')).toBeNull();
  });

  it('refuses names that are not account names before asking anyone', async () => {
    for (const name of ['-r', '../root', 'a b', 'alice;id', '$(id)', '', 'x'.repeat(65)]) {
      await expect(lookUpAccount(name)).rejects.toThrow(AccountRefused);
    }
  });

  it('remembers accounts found for a while (one lookup for launches at once), never an account not found nor a failure', async () => {
    let now = 0;
    const asked: string[] = [];
    const known = new Map([['alice', account({})]]);
    const lookUp = rememberAccounts(
      async (name) => {
        asked.push(name);
        if (name === 'flaky' && asked.filter((n) => n === 'flaky').length === 1) throw new Error('getent timed out');
        return known.get(name) ?? null;
      },
      30_000,
      () => now,
    );
    expect(await Promise.all([lookUp('alice'), lookUp('alice'), lookUp('alice')])).toEqual([account({}), account({}), account({})]);
    now = 29_999;
    await lookUp('alice');
    expect(asked).toEqual(['alice']);
    now = 30_000;
    await lookUp('alice');
    expect(asked).toEqual(['alice', 'alice']);
    expect(await lookUp('bob')).toBeNull();
    known.set('bob', account({ name: 'bob', uid: 1002 }));
    expect(await lookUp('bob')).toMatchObject({ name: 'bob' });
    await expect(lookUp('flaky')).rejects.toThrow('getent timed out');
    expect(await lookUp('flaky')).toBeNull();
  });

  it('never allows root, nor gid 0', () => {
    expect(() => checkAccount(account({ name: 'root', uid: 0, gid: 0 }), { minUid: 1000, agentUid: 0 })).toThrow(/never runs workloads as root/);
    expect(() => checkAccount(account({ gid: 0 }), { minUid: 1000, agentUid: 0 })).toThrow(/never runs workloads as root/);
    expect(() => checkAccount(account({ uid: 0 }), { minUid: 0, agentUid: 0 })).toThrow(AccountRefused);
  });

  it('applies the lowest allowed uid when the agent is root', () => {
    expect(() => checkAccount(account({ uid: 999 }), { minUid: 1000, agentUid: 0 })).toThrow(/uid 999, below the lowest uid allowed for workloads \(1000\)/);
    expect(() => checkAccount(account({ uid: 1000 }), { minUid: 1000, agentUid: 0 })).not.toThrow();
    expect(() => checkAccount(account({ uid: 500 }), { minUid: 500, agentUid: 0 })).not.toThrow();
  });

  it('runs only its own user when the agent is not root', () => {
    expect(() => checkAccount(account({ uid: 1001 }), { minUid: 1000, agentUid: 1002 })).toThrow(/the node agent is not root .* so it can only run workloads as/);
    // Its own account, whatever its uid: the agent can do nothing more than it already is.
    expect(() => checkAccount(account({ uid: 998 }), { minUid: 1000, agentUid: 998 })).not.toThrow();
  });
});
