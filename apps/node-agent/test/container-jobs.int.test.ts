import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobLabel } from '../src/container/run-args';
import { eventually } from './appliance-processes';
import { removeCgroupParent, testCgroupParent } from './cgroup-parent';
import { makeStateDir, startExecutor } from './executor-harness';
import { ExecutorProcess } from './executor-process';
import { buildTestImage, containersLabelled, findPodman, usableRuntime } from './podman-image';
import { isRoot, jobAccount, SKIP_NOT_ROOT, TestUsers } from './unix-users';

// Real podman, a real image built here without any network, real Unix users and cgroups.
// `npm test` installs podman, runc and busybox-static (scripts/lib/system-packages.mjs).
const podmanPath = findPodman();
const tag = `sluice-test-${randomBytes(4).toString('hex')}`;
const prerequisite = !isRoot
  ? SKIP_NOT_ROOT
  : !podmanPath
    ? 'skipped: podman is not installed (npm test installs it: apt-get install podman runc busybox-static)'
    : !existsSync('/bin/busybox')
      ? 'skipped: /bin/busybox is missing to build the test image (apt-get install busybox-static)'
      : null;
const image = prerequisite || !podmanPath ? null : buildTestImage(podmanPath, tag);
const probe = image && podmanPath ? usableRuntime(podmanPath, image) : null;
const skip = prerequisite ?? (probe && 'error' in probe ? `skipped: podman cannot run containers on this host: ${probe.error}` : null);
if (skip) console.warn(`container-jobs: ${skip}`);

describe.skipIf(skip !== null)('batch jobs in a container image (podman)', () => {
  const users = new TestUsers();
  const ids = randomBytes(3).toString('hex');
  let n = 0;
  const jobId = () => `c${ids}${++n}`;
  let h: Awaited<ReturnType<typeof startExecutor>>;
  let alice: ReturnType<TestUsers['user']>;
  let lab: ReturnType<TestUsers['group']>;

  beforeAll(async () => {
    lab = users.group('lab');
    alice = users.user('alice', ['-G', lab.name]);
    const runtime = probe && 'runtime' in probe ? probe.runtime : null;
    h = await startExecutor({ containers: { podman: podmanPath, runtime } });
    console.info(`container-jobs: ${execFileSync(podmanPath as string, ['--version'], { encoding: 'utf8' }).trim()}, OCI runtime ${runtime ?? "podman's default"}`);
  });
  afterAll(async () => {
    await h?.cleanup();
    users.cleanup();
    if (podmanPath && image) execFileSync(podmanPath, ['rmi', '--force', image], { stdio: 'ignore' });
  });

  /** Nothing of the job is left: no container, no env file, no cgroup in any hierarchy, no process of the user. */
  const expectNothingLeft = async (id: string, uid: number, stateDir = h.stateDir, cgroupParent = h.cgroupParent) => {
    expect(containersLabelled(podmanPath as string, jobLabel(id))).toEqual([]);
    expect(existsSync(path.join(stateDir, 'containers', `job-${id}.env`))).toBe(false);
    for (const hierarchy of readdirSync('/sys/fs/cgroup')) expect(existsSync(path.join('/sys/fs/cgroup', hierarchy, cgroupParent, `job-${id}`)), hierarchy).toBe(false);
    const procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && statSync(`/proc/${p}`, { throwIfNoEntry: false })?.uid === uid);
    expect(procs).toEqual([]);
  };

  it('runs as the account (uid, groups, home, job directory), with the job environment and its exit code, and leaves nothing', async () => {
    const id = jobId();
    const command = [
      'echo "uid=$(id -u) gid=$(id -g) groups=$(id -G) whoami=$(whoami)"',
      'echo "pwd=$(pwd) home=$HOME path=$PATH"',
      'echo "cuda=$CUDA_VISIBLE_DEVICES job=$SLUICE_JOB_ID"',
      'echo hi > "$SLUICE_JOB_DIR/out"; touch "$HOME/from-container"',
      // A set-uid-root program in the image must not make the job root (no-new-privileges).
      'echo "suid=$(/suid/busybox id -u)"',
      'exit 3',
    ].join('; ');
    const started = Date.now();
    const { exited, output } = await h.run({ jobId: id, user: alice.name, command, image: image as string, gpuUuids: ['GPU-sim-0', 'GPU-sim-1'] });
    const ms = Date.now() - started;
    expect(exited, output).toMatchObject({ cause: 'exit', exitCode: 3 });
    expect(output).toContain(`uid=${alice.uid} gid=${alice.gid} groups=`);
    expect(/groups=([\d ]+)/.exec(output)?.[1]?.trim().split(' ').map(Number).sort()).toEqual([alice.gid, lab.gid].sort());
    expect(output).toContain(`whoami=${alice.name}`);
    // The image's PATH, not the node's.
    expect(output).toContain(`pwd=${alice.home} home=${alice.home} path=/bin`);
    expect(output).toContain(`cuda=GPU-sim-0,GPU-sim-1 job=${id}`);
    expect(output).toContain('simulated GPUs: no GPU devices are passed into the container');
    expect(output).toContain(`suid=${alice.uid}`);
    expect(readFileSync(path.join(h.stateDir, 'jobs', `job-${id}`, 'out'), 'utf8')).toBe('hi\n');
    expect(statSync(path.join(h.stateDir, 'jobs', `job-${id}`, 'out')).uid).toBe(alice.uid);
    expect(statSync(path.join(alice.home, 'from-container')).uid).toBe(alice.uid);
    await expectNothingLeft(id, alice.uid);
    const plainStart = Date.now();
    await h.run({ user: alice.name, command: 'true' });
    console.info(`container-jobs: launch to exit report: ${ms} ms in a container, ${Date.now() - plainStart} ms without`);
  });

  it('stop sends SIGTERM to every process of the container, which may save its work, and leaves nothing', async () => {
    const id = jobId();
    const command = `trap 'echo saved > "$SLUICE_CHECKPOINT_DIR/state"; exit 7' TERM; sleep 600 & echo ready; wait`;
    await h.executor.launch(h.spec({ jobId: id, user: alice.name, command, image: image as string }));
    await eventually(async () => h.output(id).includes('ready'), 'the job to be ready');
    const stopAt = Date.now();
    h.executor.stop(id, 30);
    const exited = await h.exited(id);
    expect(exited).toMatchObject({ cause: 'stopped' });
    expect(Date.now() - stopAt).toBeLessThan(15_000);
    expect(readFileSync(path.join(h.stateDir, 'jobs', `job-${id}`, 'checkpoints', 'state'), 'utf8')).toBe('saved\n');
    await expectNothingLeft(id, alice.uid);
  });

  it('kills a container that ignores SIGTERM once the grace period is over', async () => {
    const id = jobId();
    await h.executor.launch(h.spec({ jobId: id, user: alice.name, command: "trap '' TERM; echo ready; sleep 600", image: image as string }));
    await eventually(async () => h.output(id).includes('ready'), 'the job to be ready');
    h.executor.stop(id, 1);
    expect(await h.exited(id)).toMatchObject({ cause: 'stopped' });
    await expectNothingLeft(id, alice.uid);
  });

  it("holds the container to the job's memory limit (it runs inside the job cgroup)", async () => {
    const id = jobId();
    // The shell keeps 256 MiB in one variable against a 64 MiB limit.
    const command = 'x=$(head -c 268435456 /dev/zero | tr "\\0" a); echo survived';
    const { exited, output } = await h.run({ jobId: id, user: alice.name, command, image: image as string, memoryMiB: 64 });
    expect(output).not.toContain('survived');
    expect(exited).toMatchObject({ cause: 'exit', reason: 'OutOfMemory' });
    await expectNothingLeft(id, alice.uid);
  });

  it('runs on through an agent crash: the next agent adopts the container, stops it like any job, and leaves nothing', async () => {
    const id = jobId();
    const stateDir = makeStateDir();
    const cgroupParent = testCgroupParent();
    const containers = { podman: podmanPath, runtime: probe && 'runtime' in probe ? probe.runtime : null };
    const first = await ExecutorProcess.start(stateDir, cgroupParent, containers);
    const spec = { jobId: id, kind: 'batch' as const, user: alice.name, command: "trap 'echo saved; exit 7' TERM; echo ready; sleep 600 & wait", image: image as string, gpuUuids: [], timeLimitSec: 600 };
    let second: ExecutorProcess | null = null;
    try {
      await first.do({ op: 'launch', spec });
      await eventually(async () => first.watch.output(id).includes('ready'), 'the container to be ready');
      await first.kill();
      second = await ExecutorProcess.start(stateDir, cgroupParent, containers);
      expect((await second.state()).running).toEqual([id]);
      await second.do({ op: 'stop', jobId: id, graceSec: 30, discard: false });
      expect(await second.watch.exited(id)).toMatchObject({ cause: 'stopped' });
      expect(second.watch.output(id)).toContain('saved');
      await expectNothingLeft(id, alice.uid, stateDir, cgroupParent);
    } finally {
      await (second ?? first).stopAll();
      rmSync(stateDir, { recursive: true, force: true });
      await removeCgroupParent(cgroupParent);
    }
  });

  it('fails an image that is not in the local store with ImageNotFound, and never pulls from a registry the site does not allow', async () => {
    const id = jobId();
    const { exited } = await h.run({ jobId: id, user: alice.name, command: 'true', image: 'docker.io/library/busybox:latest' });
    expect(exited).toMatchObject({ cause: 'launch-failed', reason: 'ImageNotFound' });
    expect(exited.message).toMatch(/not in the local image store .* not one this node may pull from/);
    await expectNothingLeft(id, alice.uid);
  });
});

describe('a container job where the node has no podman', () => {
  it('fails with NoContainerRuntime, saying so', async () => {
    const h = await startExecutor({ containers: { podman: null } });
    const users = new TestUsers();
    try {
      const { exited, output } = await h.run({ user: jobAccount(users, 'nop').name, command: 'true', image: 'localhost/pytorch:24.01' });
      expect(exited).toMatchObject({ cause: 'launch-failed', reason: 'NoContainerRuntime' });
      expect(output).toMatch(/cannot start: podman is not installed on node/);
    } finally {
      await h.cleanup();
      users.cleanup();
    }
  });
});
