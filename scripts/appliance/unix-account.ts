import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The Unix account the appliance's own jobs run as. As root it makes (once) an unprivileged
 * account for them, because workloads never run as root; otherwise it is the user running
 * the appliance, the only one a non-root node agent can run jobs as.
 */
export function applianceUnixUser(name: string, say: (msg: string) => void): string {
  if (process.getuid?.() !== 0) return os.userInfo().username;
  const known = spawnSync('getent', ['passwd', '--', name], { encoding: 'utf8' });
  if (known.status === 0) {
    const uid = Number(known.stdout.split(':')[2]);
    if (uid === 0) throw new Error(`SLUICE_UNIX_USER: ${name} is root; jobs never run as root, name an unprivileged account`);
    return name;
  }
  // A regular account (uid in the users' range, so the agent's lowest-uid rule accepts it), with
  // a home directory for the jobs' and Jupyter's files.
  const made = spawnSync('useradd', ['--create-home', '--shell', '/bin/bash', '--user-group', '--comment', 'Sluice jobs (all-in-one appliance)', name], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`could not create the Unix account ${name} for jobs: ${made.stderr.trim() || made.error?.message}`);
  say(`created the Unix account ${name}: the admin's jobs and sessions run as it`);
  return name;
}

/**
 * As root, job users must reach their job directories under the data dir (traverse only: no
 * listing), while the database, secrets and job logs stay the appliance's alone.
 */
export function openDataDirForJobs(paths: { root: string; database: string; logs: string; nodes: string; secrets: string }): void {
  if (process.getuid?.() !== 0) return;
  chmodSync(paths.root, 0o711);
  chmodSync(paths.nodes, 0o711);
  chmodSync(paths.logs, 0o700);
  for (const f of [paths.database, `${paths.database}-wal`, `${paths.database}-shm`, paths.secrets]) if (existsSync(f)) chmodSync(f, 0o600);
}

/**
 * As root, job users must also reach the Python environment and the job directories. When the
 * checkout or the data dir lies under a directory others cannot traverse (a 0700 home, a
 * `mktemp -d` dir), this adds the search bit alone (o+x: no listing, nothing readable that was
 * not already) to those directories, and says which.
 */
export function makeTraversable(targets: string[], say: (msg: string) => void): void {
  if (process.getuid?.() !== 0) return;
  const changed = new Set<string>();
  for (const target of targets) {
    const parts = path.resolve(target).split(path.sep).filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (!existsSync(dir) || changed.has(dir)) continue;
      const mode = statSync(dir).mode;
      if ((mode & 0o001) !== 0) continue;
      chmodSync(dir, (mode & 0o7777) | 0o001);
      changed.add(dir);
    }
  }
  if (changed.size > 0) say(`made ${[...changed].join(', ')} traversable by other users (o+x only), so jobs running as their Unix accounts reach the Python environment and their job directories`);
}

/** Why `user` cannot run `file`, or null when it can (checked as that user, groups included). */
export function unusableBy(user: string, file: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const gid = execFileSync('id', ['-g', '--', user], { encoding: 'utf8' }).trim();
  const r = spawnSync('setpriv', ['--reuid', user, '--regid', gid, '--init-groups', '--', '/usr/bin/test', '-x', file]);
  if (r.status === 0) return null;
  const parts = path.resolve(file).split(path.sep).filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const dir = `/${parts.slice(0, i).join('/')}`;
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return `${dir} is not traversable by other users (chmod o+x ${dir}, or set SLUICE_PYTHON_ENV to an environment they can read)`;
  }
  return existsSync(file) ? `${user} cannot run ${file}` : `${file} does not exist`;
}

export const hasAccount = (name: string): boolean => {
  try {
    execFileSync('getent', ['passwd', '--', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
