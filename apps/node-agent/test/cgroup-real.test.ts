import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, eventually } from './appliance-processes';
import { startExecutor } from './executor-harness';
import { isRoot, SKIP_NOT_ROOT, TestUsers } from './unix-users';

// The node's real cgroups (hybrid here and in CI: cgroup2 for membership and kill, v1 memory
// and cpu for limits; pure v2 elsewhere). The pure-v2 logic is also tested on a fake tree.
if (!isRoot) console.warn(`cgroup-real: ${SKIP_NOT_ROOT}`);

describe.skipIf(!isRoot)('every workload in its own cgroup, on this node', () => {
  const users = new TestUsers();
  let h: Awaited<ReturnType<typeof startExecutor>>;
  let bob: ReturnType<TestUsers['user']>;

  beforeAll(async () => {
    bob = users.user('bob');
    h = await startExecutor();
    if (!h.cgroups.enabled) throw new Error(`this node offers no writable cgroups: ${h.cgroups.notes.join('; ')}`);
  });
  afterAll(async () => {
    await h?.cleanup();
    users.cleanup();
  });

  it('puts the workload in <parent>/job-<id>.<node> (sluice.slice in production) with the CPU and memory it asked for, and removes it after', async () => {
    const { exited, output, jobId } = await h.run({ user: bob.name, command: 'cat /proc/self/cgroup', cpus: 1, memoryMiB: 96 });
    expect(exited).toMatchObject({ cause: 'exit', exitCode: 0 });
    const lines = output.split('\n').filter((l) => l.includes('sluice'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.endsWith(`/${h.cgroupParent}/job-${jobId}.${h.nodeName}`), l).toBe(true);
    if (h.cgroups.layout?.kind !== 'none') expect(output.split('\n')).toContainEqual(expect.stringMatching(new RegExp(`^0::.*/${h.cgroupParent.replaceAll('.', '\\.')}/job-${jobId}\\.${h.nodeName}$`)));
    const cg = h.cgroups.forJob(jobId);
    for (const dir of cg?.all() ?? []) expect(existsSync(dir)).toBe(false);
  });

  it('enforces the memory limit: a job that allocates past it is OOM-killed and reported OutOfMemory', async () => {
    // 400 MiB of touched memory against a 64 MiB limit.
    const { exited, output } = await h.run({
      user: bob.name,
      memoryMiB: 64,
      command: `${process.execPath} -e "const a=[]; for (let i=0;i<400;i++) a.push(Buffer.alloc(1<<20, 1)); console.log('survived')"`,
    });
    expect(output).not.toContain('survived');
    expect(exited).toMatchObject({ cause: 'exit', reason: 'OutOfMemory' });
    expect(output).toContain("killed by the kernel's OOM killer");
  });

  it('does not call a job that stays inside its limit out of memory', async () => {
    const { exited } = await h.run({ user: bob.name, memoryMiB: 256, command: `${process.execPath} -e "Buffer.alloc(32<<20, 1)"; exit 3` });
    expect(exited).toMatchObject({ cause: 'exit', exitCode: 3 });
    expect(exited.reason).toBeUndefined();
  });

  it('sets the CPU limit', async () => {
    const spec = h.spec({ user: bob.name, command: 'sleep 30', cpus: 1 });
    await h.executor.launch(spec);
    await h.started(spec.jobId);
    const cg = h.cgroups.forJob(spec.jobId);
    const dirs = cg?.dirs;
    if (dirs?.v2Limits && dirs.unified) expect(readFileSync(`${dirs.unified}/cpu.max`, 'utf8').trim()).toBe('100000 100000');
    else if (dirs?.cpu) expect(readFileSync(`${dirs.cpu}/cpu.cfs_quota_us`, 'utf8').trim()).toBe('100000');
    else throw new Error('no CPU controller');
    h.executor.stop(spec.jobId, 0);
    await h.exited(spec.jobId);
  });

  it('stop kills the whole tree, also a double-forked child that left the process group', async () => {
    const spec = h.spec({
      user: bob.name,
      // setsid: a new session and process group, stdio closed: what a daemon does.
      command: `setsid sh -c 'echo $$ > "$SLUICE_JOB_DIR/escaped"; exec sleep 600' < /dev/null > /dev/null 2>&1 & sleep 600`,
    });
    await h.executor.launch(spec);
    const { pid } = await h.started(spec.jobId);
    const escapedFile = `${h.stateDir}/jobs/job-${spec.jobId}/escaped`;
    const escaped = await eventually(async () => existsSync(escapedFile) && Number(readFileSync(escapedFile, 'utf8')), 'the escaped child');
    expect(alive(escaped)).toBe(true);
    // It really left the job's process group.
    expect(readFileSync(`/proc/${escaped}/stat`, 'utf8').split(' ')[4]).not.toBe(String(pid));
    h.executor.stop(spec.jobId, 1);
    expect(await h.exited(spec.jobId)).toMatchObject({ cause: 'stopped' });
    expect(alive(pid)).toBe(false);
    expect(alive(escaped)).toBe(false);
  });

  it('kills what the job left behind when its main process ends by itself', async () => {
    const { exited, output } = await h.run({
      user: bob.name,
      command: `setsid sh -c 'exec sleep 600' < /dev/null > /dev/null 2>&1 & echo left=$!`,
    });
    expect(exited).toMatchObject({ cause: 'exit', exitCode: 0 });
    const left = Number(/left=(\d+)/.exec(output)?.[1]);
    await eventually(async () => !alive(left), 'the left-behind process to be killed', 5_000);
  });
});
