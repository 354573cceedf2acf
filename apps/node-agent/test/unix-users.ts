import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';

/** Whether this process may create Unix users (tests that need real accounts skip otherwise). */
export const isRoot = process.getuid?.() === 0;
export const SKIP_NOT_ROOT = 'skipped: creating real Unix users needs root (CI runs as root)';

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/**
 * Real Unix users and groups for one test file, all named with one random prefix, removed
 * again (with their home directories) by `cleanup`.
 */
export class TestUsers {
  readonly prefix = `slt${randomBytes(3).toString('hex')}`;
  private users: string[] = [];
  private groups: string[] = [];

  group(suffix: string): { name: string; gid: number } {
    const name = `${this.prefix}${suffix}`;
    run('groupadd', [name]);
    this.groups.push(name);
    return { name, gid: Number(run('getent', ['group', name]).split(':')[2]) };
  }

  /** A user with a home directory and bash; extra options go to useradd (e.g. ['-G', 'grp']). */
  user(suffix: string, opts: string[] = []): { name: string; uid: number; gid: number; home: string } {
    const name = `${this.prefix}${suffix}`;
    run('useradd', ['--create-home', '--shell', '/bin/bash', ...opts, name]);
    this.users.push(name);
    const [, , uid, gid, , home] = run('getent', ['passwd', name]).trim().split(':');
    return { name, uid: Number(uid), gid: Number(gid), home: home ?? '' };
  }

  cleanup(): void {
    for (const u of this.users.splice(0)) {
      try {
        run('userdel', ['--remove', '--force', u]);
      } catch {
        // already gone
      }
    }
    for (const g of this.groups.splice(0)) {
      try {
        run('groupdel', [g]);
      } catch {
        // already gone
      }
    }
  }
}

/**
 * A Unix account for a portal user's jobs: a fresh one when this process is root (as the agent
 * it starts will be), otherwise this process's own (the only one a non-root agent runs jobs as).
 */
export function jobAccount(users: TestUsers, suffix: string): { name: string; uid: number } {
  return isRoot ? users.user(suffix) : { name: os.userInfo().username, uid: os.userInfo().uid };
}
