import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExecutor } from './executor-harness';
import { isRoot, SKIP_NOT_ROOT, TestUsers } from './unix-users';

if (!isRoot) console.warn(`run-as-user: ${SKIP_NOT_ROOT}`);

describe.skipIf(!isRoot)('workloads run as their user', () => {
  const users = new TestUsers();
  let h: Awaited<ReturnType<typeof startExecutor>>;
  let alice: ReturnType<TestUsers['user']>;
  let lab: ReturnType<TestUsers['group']>;
  let gpu: ReturnType<TestUsers['group']>;

  beforeAll(async () => {
    lab = users.group('lab');
    gpu = users.group('gpu');
    alice = users.user('alice', ['-G', `${lab.name},${gpu.name}`]);
    h = await startExecutor();
  });
  afterAll(async () => {
    await h?.cleanup();
    users.cleanup();
  });

  it('has the uid, gid, groups, home, login environment and job directory of the account', async () => {
    const { exited, output } = await h.run({
      user: alice.name,
      command: 'echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"; echo "pwd=$(pwd)"; echo "home=$HOME user=$USER logname=$LOGNAME shell=$SHELL"; echo "path=$PATH"; echo "job=$SLUICE_JOB_ID"; touch "$SLUICE_CHECKPOINT_DIR/ok"; env | cut -d= -f1 | sort | tr "\\n" " "',
    });
    expect(exited).toMatchObject({ cause: 'exit', exitCode: 0 });
    expect(output).toContain(`uid=${alice.uid} gid=${alice.gid} groups=`);
    const groups = /groups=([\d ]+)/.exec(output)?.[1]?.trim().split(' ').map(Number).sort();
    expect(groups).toEqual([alice.gid, lab.gid, gpu.gid].sort());
    expect(output).toContain(`pwd=${alice.home}`);
    expect(output).toContain(`home=${alice.home} user=${alice.name} logname=${alice.name} shell=/bin/bash`);
    expect(output).toContain('path=/usr/local/bin:/usr/bin:/bin');
    // Nothing of the agent's (the test runner's) own environment leaks in.
    const names = output.trim().split('\n').at(-1)?.split(' ') ?? [];
    expect(names).not.toContain('VITEST');
    expect(names).not.toContain('SLUICE_AGENT_SECRET');
    const jobDir = path.join(h.stateDir, 'jobs', 'job-t1');
    expect(statSync(jobDir)).toMatchObject({ uid: alice.uid, gid: alice.gid });
    expect(statSync(jobDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(jobDir, 'checkpoints', 'ok')).uid).toBe(alice.uid);
  });

  it('starts in / with a note in the job log when the home directory is missing', async () => {
    const nohome = users.user('nohome');
    rmSync(nohome.home, { recursive: true, force: true });
    const { exited, output } = await h.run({ user: nohome.name, command: 'pwd; id -u' });
    expect(exited).toMatchObject({ cause: 'exit', exitCode: 0 });
    expect(output).toContain(`home directory ${nohome.home} of ${nohome.name} does not exist; starting in /`);
    expect(output).toContain(`/\n${nohome.uid}\n`);
  });

  it('fails a job whose user has no account on the node with NoUnixAccount', async () => {
    const marker = path.join(h.stateDir, 'ran');
    const { exited, output } = await h.run({ user: `${users.prefix}ghost`, command: `touch ${marker}` });
    expect(exited).toMatchObject({ cause: 'launch-failed', reason: 'NoUnixAccount' });
    expect(exited.message).toContain(`no Unix account "${users.prefix}ghost"`);
    expect(output).toContain('cannot start');
    expect(existsSync(marker)).toBe(false);
  });

  it('never runs a workload as root, not even under another name with uid 0', async () => {
    const marker = path.join(h.stateDir, 'root-ran');
    const alias = users.user('toor', ['--non-unique', '--uid', '0']);
    for (const user of ['root', alias.name]) {
      const { exited } = await h.run({ user, command: `touch ${marker}` });
      expect(exited).toMatchObject({ cause: 'launch-failed', reason: 'NoUnixAccount' });
      expect(exited.message).toMatch(/is root/);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses accounts below the lowest allowed uid (system accounts)', async () => {
    const { exited } = await h.run({ user: 'daemon', command: 'true' });
    expect(exited).toMatchObject({ cause: 'launch-failed', reason: 'NoUnixAccount' });
    expect(exited.message).toContain('below the lowest uid allowed for workloads (1000)');
  });
});
