import { existsSync } from 'node:fs';
import path from 'node:path';
import type { UnixAccount } from './unix-account';

/**
 * Joins the cgroups named before `--` (writing its own pid to each cgroup.procs), then execs the
 * rest. It runs before anything of the job does, so even the first instruction of the workload
 * is inside its cgroup. The paths and the program are arguments, never part of this text.
 */
const JOIN_CGROUPS = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 126; shift; done; shift; exec "$@"';

/** Found at a fixed system path, never through a PATH a job could influence. */
export function findSetpriv(): string | null {
  return ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv', '/sbin/setpriv'].find((p) => existsSync(p)) ?? null;
}

/** The shell a batch command runs in: the account's, unless that is a "no login" placeholder. */
export function batchShell(shell: string): { shell: string; note: string | null } {
  const name = path.basename(shell);
  if (shell !== '' && path.isAbsolute(shell) && !['nologin', 'false'].includes(name) && existsSync(shell)) return { shell, note: null };
  return { shell: '/bin/sh', note: `the account's login shell (${shell || 'none'}) cannot run commands; using /bin/sh` };
}

export interface LaunchArgv {
  file: string;
  args: string[];
}

/**
 * The argv that starts `program` as `account`: cgroup join (when there is a cgroup), then
 * setpriv to the account's uid, gid and every one of its groups (when the agent is root and
 * `account` is given), then the program itself.
 */
export function launchArgv(opts: { program: string[]; procsFiles: string[]; account: UnixAccount | null; setpriv: string | null }): LaunchArgv {
  let argv = opts.program;
  if (opts.account) {
    if (!opts.setpriv) throw new Error('setpriv (util-linux) is not installed: the agent cannot switch to the job user');
    const { uid, gid, groups } = opts.account;
    const groupArgs = groups.length > 0 ? ['--groups', groups.join(',')] : ['--clear-groups'];
    argv = [opts.setpriv, '--reuid', String(uid), '--regid', String(gid), ...groupArgs, '--', ...argv];
  }
  if (opts.procsFiles.length > 0) argv = ['/bin/sh', '-c', JOIN_CGROUPS, 'sluice-join', ...opts.procsFiles, '--', ...argv];
  const [file, ...args] = argv;
  if (!file) throw new Error('empty program');
  return { file, args };
}
