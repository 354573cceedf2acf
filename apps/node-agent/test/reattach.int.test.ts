import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDir } from '../src/job-state';
import { alive, eventually } from './appliance-processes';
import { removeCgroupParent, testCgroupParent } from './cgroup-parent';
import { makeStateDir, specMaker } from './executor-harness';
import { ExecutorProcess } from './executor-process';
import { COUNT_RUN, letGo, runsOf as runsOfJob, WAIT_GO } from './restart-helpers';
import { isRoot, jobAccount, TestUsers } from './unix-users';

// The executor in a process of its own, SIGKILLed as an agent crashes, and a new one started on the
// same state dir: real workloads, real supervisors, real accounts and cgroups (where root).
const users = new TestUsers();
let user: string;
let stateDir: string;
const cgroupParent = testCgroupParent();
let current: ExecutorProcess | null = null;
const spec = specMaker('r');

/** An executor process on the state dir (the one before it, if any, was killed). */
async function agent(): Promise<ExecutorProcess> {
  current = await ExecutorProcess.start(stateDir, cgroupParent);
  return current;
}
const go = (jobId: string) => letGo(stateDir, jobId);
const runsOf = (jobId: string) => runsOfJob(stateDir, jobId);

beforeAll(() => {
  user = jobAccount(users, 'reat').name;
  stateDir = makeStateDir();
});

afterAll(async () => {
  await current?.stopAll();
  rmSync(stateDir, { recursive: true, force: true });
  await removeCgroupParent(cgroupParent);
  users.cleanup();
});

describe('an agent started after a crash carries on with what the first one left', () => {
  it('adopts a running job: reports it running, runs it only once, sends the rest of its output and its real exit code', async () => {
    const first = await agent();
    const s = spec({ user, command: `${COUNT_RUN}; echo before; ${WAIT_GO}; echo after; exit 3` });
    await first.do({ op: 'launch', spec: s });
    const { pid } = await first.watch.started(s.jobId);
    await eventually(async () => first.watch.output(s.jobId) === 'before\n', 'output before the crash');
    await first.kill();
    expect(alive(pid)).toBe(true);

    const second = await agent();
    expect((await second.state()).running).toEqual([s.jobId]);
    // The scheduler launching it again (its `started` was lost) starts nothing.
    await second.do({ op: 'launch', spec: s });
    go(s.jobId);
    expect(await second.watch.exited(s.jobId)).toMatchObject({ cause: 'exit', exitCode: 3, signal: null });
    expect(runsOf(s.jobId)).toEqual([String(pid)]);
    expect(second.messages.filter((m) => m.type === 'started').map((m) => m.type === 'started' && m.pid)).toEqual([pid]);
    // Output: what the first agent had sent is not sent again.
    expect(second.watch.output(s.jobId)).toBe('after\n');

    // Reported (in every hello and heartbeat) until the scheduler has recorded it, then forgotten.
    expect((await second.state()).finished).toEqual([expect.objectContaining({ jobId: s.jobId, exitCode: 3, cause: 'exit' })]);
    expect((await second.do({ op: 'ack', jobIds: [s.jobId] })).finished).toEqual([]);
    await eventually(async () => !RunDir.list(stateDir).includes(s.jobId), 'its records to go');
  });

  it('reports a job that ended while no agent ran with its real exit code and all of its output', async () => {
    const first = await agent();
    const s = spec({ user, command: `echo one; ${WAIT_GO}; echo two; exit 7` });
    await first.do({ op: 'launch', spec: s });
    const { pid } = await first.watch.started(s.jobId);
    await eventually(async () => first.watch.output(s.jobId) === 'one\n', 'output before the crash');
    await first.kill();
    go(s.jobId);
    await eventually(async () => !alive(pid), 'the job to end while no agent runs');

    const second = await agent();
    expect(await second.watch.exited(s.jobId)).toMatchObject({ cause: 'exit', exitCode: 7 });
    // Both recorded by the time it looked: it started (for a scheduler that missed it), then ended.
    expect(second.messages.filter((m) => (m.type === 'started' || m.type === 'exited') && m.jobId === s.jobId).map((m) => m.type)).toEqual(['started', 'exited']);
    expect((await second.state()).finished).toEqual([expect.objectContaining({ jobId: s.jobId, exitCode: 7 })]);
    await eventually(async () => second.watch.output(s.jobId) === 'two\n', 'the output written while no agent ran');
    await second.do({ op: 'ack', jobIds: [s.jobId] });
  });

  it('finishes a stop the earlier agent began: SIGTERM, then SIGKILL after the grace', async () => {
    const first = await agent();
    // Ignores SIGTERM, so only the SIGKILL after the grace ends it.
    const s = spec({ user, command: `trap '' TERM; echo ready; ${WAIT_GO}` });
    await first.do({ op: 'launch', spec: s });
    await first.watch.started(s.jobId);
    await eventually(async () => first.watch.output(s.jobId) === 'ready\n', 'the trap to be set');
    await first.do({ op: 'stop', jobId: s.jobId, graceSec: 600, discard: false });
    await first.kill();

    const second = await agent();
    const t0 = Date.now();
    // The scheduler sends stops again until the job has ended.
    await second.do({ op: 'stop', jobId: s.jobId, graceSec: 1, discard: false });
    expect(await second.watch.exited(s.jobId)).toMatchObject({ cause: 'stopped', signal: 'SIGKILL' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    await second.do({ op: 'ack', jobIds: [s.jobId] });
  });

  it.skipIf(!isRoot)('knows the OOM killer struck a job while no agent ran', async () => {
    const first = await agent();
    const alloc = `${process.execPath} -e "const a=[]; for (let i=0;i<400;i++) a.push(Buffer.alloc(1<<20, 1))"`;
    const s = spec({ user, memoryMiB: 64, command: `${WAIT_GO}; exec ${alloc}` });
    await first.do({ op: 'launch', spec: s });
    const { pid } = await first.watch.started(s.jobId);
    await first.kill();
    go(s.jobId);
    await eventually(async () => !alive(pid), 'the job to be killed while no agent runs');

    const second = await agent();
    expect(await second.watch.exited(s.jobId)).toMatchObject({ cause: 'exit', reason: 'OutOfMemory', signal: 'SIGKILL' });
    await second.do({ op: 'ack', jobIds: [s.jobId] });
  });

  it('watches a workload whose supervisor was killed too, and reports its exit status as lost', async () => {
    const first = await agent();
    const s = spec({ user, command: WAIT_GO });
    await first.do({ op: 'launch', spec: s });
    const { pid } = await first.watch.started(s.jobId);
    await first.kill();
    const supervisor = RunDir.open(stateDir, s.jobId).record.supervisor?.pid as number;
    process.kill(supervisor, 'SIGKILL');
    await eventually(async () => !alive(supervisor), 'the supervisor to die');
    expect(alive(pid)).toBe(true);

    const second = await agent();
    expect((await second.state()).running).toEqual([s.jobId]);
    go(s.jobId);
    const exited = await second.watch.exited(s.jobId);
    expect(exited).toMatchObject({ cause: 'exit', exitCode: null, reason: 'NodeLost' });
    expect(exited.message).toContain('exit status was lost');
    await second.do({ op: 'ack', jobIds: [s.jobId] });
  });

  it('forgets a launch that never got under way (no supervisor), so the scheduler launches it again', async () => {
    const s = spec({ user, command: 'true' });
    RunDir.create(stateDir, { spec: s, limits: { cpus: 1, memoryMiB: 64 }, cgroup: null, sessionPort: null, supervisor: null, session: null, stopping: false, discarded: false });
    const p = await agent();
    expect(await p.state()).toEqual({ running: [], finished: [] });
    expect(existsSync(path.join(RunDir.root(stateDir), `job-${s.jobId}`))).toBe(false);
  });

  it('sets aside records it cannot read, and goes on', async () => {
    const s = spec({ user, command: 'true' });
    const dir = RunDir.create(stateDir, { spec: s, limits: { cpus: 1, memoryMiB: 64 }, cgroup: null, sessionPort: null, supervisor: null, session: null, stopping: false, discarded: false });
    writeFileSync(dir.file('record'), '{"spec":');
    const p = await agent();
    expect(await p.state()).toEqual({ running: [], finished: [] });
    expect(RunDir.list(stateDir)).not.toContain(s.jobId);
  });
});

describe('a run the scheduler has no record of', () => {
  it('is stopped and never reported; a new launch of the same job waits for it to be gone, then runs', async () => {
    const p = current ?? (await agent());
    const s = spec({ user, command: `${COUNT_RUN}; sleep 600` });
    await p.do({ op: 'launch', spec: s });
    const { pid } = await p.watch.started(s.jobId);
    await p.do({ op: 'stop', jobId: s.jobId, graceSec: 0, discard: true });
    await p.do({ op: 'launch', spec: s });
    const again = await eventually(async () => p.messages.find((m) => m.type === 'started' && m.jobId === s.jobId && m.pid !== pid), 'the new run to start');
    expect(alive(pid)).toBe(false);
    expect(p.messages.some((m) => m.type === 'exited' && m.jobId === s.jobId)).toBe(false);
    await eventually(async () => runsOf(s.jobId).length === 2, 'the new run to count itself');
    expect(runsOf(s.jobId)).toEqual([String(pid), String(again.type === 'started' && again.pid)]);
    expect((await p.state()).running).toContain(s.jobId);
  });
});

describe('an agent that stops every job as it shuts down (the appliance)', () => {
  it('stops them and reports each as lost with its node, so the scheduler requeues it where the job allows', async () => {
    const p = current ?? (await agent());
    const s = spec({ user, command: 'sleep 600' });
    await p.do({ op: 'launch', spec: s });
    const { pid } = await p.watch.started(s.jobId);
    await p.stopAll();
    expect(alive(pid)).toBe(false);
    expect(await p.watch.exited(s.jobId)).toMatchObject({ cause: 'stopped', reason: 'NodeLost', message: 'stopped because its node agent shut down' });
  });
});
