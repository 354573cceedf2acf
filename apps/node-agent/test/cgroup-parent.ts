import { randomBytes } from 'node:crypto';
import { rmdir } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { CgroupManager } from '../src/cgroup/manager';

/**
 * A parent cgroup of its own (instead of sluice.slice) for the agents of one test file: job ids
 * start at 1 in every test database, and test files run side by side, so `sluice.slice/job-1`
 * of one must not be the same cgroup as another's (a job's end kills everything in its cgroup).
 */
export const testCgroupParent = (): string => `sluice-test-${randomBytes(4).toString('hex')}.slice`;

/** Removes a test's parent cgroups (empty once its agents stopped their jobs) from every hierarchy. */
export async function removeCgroupParent(parentName: string, mountRoot = '/sys/fs/cgroup'): Promise<void> {
  const m = new CgroupManager({ mountRoot, parentName });
  await m.init(pino({ level: 'silent' }));
  for (const dir of m.forJob('none')?.all().map((d) => path.dirname(d)) ?? []) {
    await rmdir(path.join(dir, 'supervisors')).catch(() => {});
    await rmdir(dir).catch(() => {});
  }
}
