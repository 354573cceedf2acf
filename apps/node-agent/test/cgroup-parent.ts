import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { removeCgroupTree } from '../src/cgroup/job-cgroup';
import { CgroupManager } from '../src/cgroup/manager';

/**
 * A parent cgroup of its own (instead of sluice.slice) for the agents of one test file: job ids
 * start at 1 in every test database, and test files run side by side, so `sluice.slice/job-1`
 * of one must not be the same cgroup as another's (a job's end kills everything in its cgroup).
 */
export const testCgroupParent = (): string => `sluice-test-${randomBytes(4).toString('hex')}.slice`;

/**
 * Removes a test's parent cgroups once its agents stopped their jobs: where the agent put them,
 * and in every other hierarchy, where an OCI runtime makes the path of a container's cgroup too.
 * A supervisor may still be exiting: busy cgroups are retried for a while.
 */
export async function removeCgroupParent(parentName: string, mountRoot = '/sys/fs/cgroup'): Promise<void> {
  const m = new CgroupManager({ mountRoot, parentName });
  await m.init(pino({ level: 'silent' }));
  const placed = m.forJob('none')?.all().map((d) => path.dirname(d)) ?? [];
  const hierarchies = (await readdir(mountRoot).catch(() => [] as string[])).map((h) => path.join(mountRoot, h, parentName));
  for (const dir of new Set([...placed, path.join(mountRoot, parentName), ...hierarchies])) await removeCgroupTree(dir).catch(() => {});
}
