import { constants, statSync } from 'node:fs';
import { chmod, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { UnixAccount } from './unix-account';

/** Job ids become file and cgroup names: nothing but letters, digits, `_` and `-`. */
export const SAFE_JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Makes `dir` a directory of `owner` with `mode`. The ownership change goes through a file
 * descriptor opened with O_NOFOLLOW, so a symbolic link the user planted in its place (in a
 * directory the user owns) is refused instead of followed.
 */
export async function ownedDir(dir: string, owner: Pick<UnixAccount, 'uid' | 'gid'> | null, mode: number): Promise<void> {
  await mkdir(dir, { mode }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    if (owner) await fh.chown(owner.uid, owner.gid);
    await fh.chmod(mode);
  } finally {
    await fh.close();
  }
}

/**
 * The job's own directory on the node, `<stateDir>/jobs/job-<id>`, owned by the job's account
 * (mode 0700), with `checkpoints/` inside. `jobs/` itself belongs to the agent and is only
 * traversable by others (0711), so no user can rename or replace a job directory.
 * `owner` is null when the agent runs workloads as itself.
 */
export async function prepareJobDir(stateDir: string, jobId: string, owner: Pick<UnixAccount, 'uid' | 'gid'> | null): Promise<string> {
  if (!SAFE_JOB_ID.test(jobId)) throw new Error(`invalid job id ${JSON.stringify(jobId)}`);
  const jobs = path.join(stateDir, 'jobs');
  await mkdir(jobs, { recursive: true });
  await chmod(jobs, 0o711);
  const dir = path.join(jobs, `job-${jobId}`);
  await ownedDir(dir, owner, 0o700);
  await ownedDir(path.join(dir, 'checkpoints'), owner, 0o700);
  return dir;
}

/** The first directory from `/` down to `dir` that other users cannot traverse, or null. */
export function untraversableAncestor(dir: string): string | null {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const d = `/${parts.slice(0, i).join('/')}`;
    try {
      if ((statSync(d).mode & 0o001) === 0) return d;
    } catch {
      return null; // not there yet: the agent creates it (0755)
    }
  }
  return null;
}
