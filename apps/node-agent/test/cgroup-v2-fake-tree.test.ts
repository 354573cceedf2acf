import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobCgroup, parseKeyedCounts } from '../src/cgroup/job-cgroup';
import { detectLayout, parseProcCgroup } from '../src/cgroup/layout';
import { CgroupManager } from '../src/cgroup/manager';

// The pure cgroup v2 and the "nothing writable" paths on a fake tree: this node is hybrid, so
// they cannot run for real here. The hybrid path runs for real in cgroup-real.test.ts.
const log = pino({ level: 'silent' });
let root: string;
const file = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
};
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'sluice-cgroup-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('cgroup layout', () => {
  it('tells pure v2, hybrid, v1-only and none apart', () => {
    expect(detectLayout(root).kind).toBe('none');
    file('memory/cgroup.procs', '');
    file('pids/cgroup.procs', '');
    expect(detectLayout(root)).toMatchObject({ kind: 'v1', unified: null, v1: { memory: `${root}/memory`, pids: `${root}/pids` } });
    file('unified/cgroup.controllers', '\n');
    expect(detectLayout(root)).toMatchObject({ kind: 'hybrid', unified: `${root}/unified`, v2Controllers: [] });
    file('cgroup.controllers', 'cpuset cpu io memory hugetlb pids rdma misc\n');
    expect(detectLayout(root)).toMatchObject({ kind: 'v2', unified: root, v2Controllers: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'] });
  });

  it('reads the agent own cgroup from /proc/self/cgroup', () => {
    expect(parseProcCgroup('0::/system.slice/sluice-agent.service\n')).toEqual({ unified: '/system.slice/sluice-agent.service', v1: {} });
    expect(parseProcCgroup('9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/x\n0::/\n')).toEqual({ unified: '/', v1: { memory: '/process_api/abc', cpu: '/x' } });
  });

  it('parses memory.events and memory.oom_control', () => {
    expect(parseKeyedCounts('low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\n')).toMatchObject({ max: 12, oom_kill: 1 });
    expect(parseKeyedCounts('oom_kill_disable 0\nunder_oom 0\noom_kill 0\n')).toEqual({ oom_kill_disable: 0, under_oom: 0, oom_kill: 0 });
  });
});

describe('pure cgroup v2 (fake tree)', () => {
  beforeEach(() => {
    file('cgroup.controllers', 'cpuset cpu io memory pids\n');
    file('cgroup.subtree_control', '\n');
  });

  it('makes sluice.slice at the root, enables memory, cpu and pids for its children, and writes the limits', async () => {
    const m = new CgroupManager({ mountRoot: root, selfCgroup: '0::/\n' });
    await m.init(log);
    expect(m.enabled).toBe(true);
    expect(m.notes).toEqual([]);
    // A fake file keeps only the last write; the kernel would accumulate them.
    expect(read('cgroup.subtree_control')).toBe('+pids');
    expect(read('sluice.slice/cgroup.subtree_control')).toBe('+pids');
    const cg = m.forJob('42');
    expect(cg?.dirs).toEqual({ unified: `${root}/sluice.slice/job-42`, v2Limits: true, memory: null, cpu: null, pids: null });
    file('sluice.slice/job-42/memory.swap.max', 'max');
    await cg?.create({ cpus: 2, memoryMiB: 1024 });
    expect(read('sluice.slice/job-42/memory.max')).toBe(String(1024 * 2 ** 20));
    expect(read('sluice.slice/job-42/memory.swap.max')).toBe('0');
    expect(read('sluice.slice/job-42/cpu.max')).toBe('200000 100000');
    expect(cg?.procsFiles()).toEqual([`${root}/sluice.slice/job-42/cgroup.procs`]);
  });

  it('reports an OOM kill from memory.events, and kills through cgroup.kill', async () => {
    const cg = new JobCgroup({ unified: path.join(root, 'job-1'), v2Limits: true, memory: null, cpu: null, pids: null });
    file('job-1/memory.events', 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n');
    expect(await cg.oomKilled('SIGKILL')).toBe(false);
    file('job-1/memory.events', 'low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n');
    expect(await cg.oomKilled(null)).toBe(true);
    file('job-1/cgroup.kill', '');
    file('job-1/cgroup.procs', '');
    await cg.kill();
    expect(read('job-1/cgroup.kill')).toBe('1');
  });

  it('falls back to a sluice.slice under its own cgroup when it cannot create one at the root', async () => {
    file('sluice.slice', 'not a directory');
    file('system.slice/sluice-agent.service/cgroup.subtree_control', '');
    const m = new CgroupManager({ mountRoot: root, selfCgroup: '0::/system.slice/sluice-agent.service\n' });
    await m.init(log);
    expect(m.forJob('7')?.dirs.unified).toBe(`${root}/system.slice/sluice-agent.service/sluice.slice/job-7`);
  });

  it("names each job's cgroup after its node too, so agents sharing a host never touch each other's part of a job", async () => {
    const [a, b] = [new CgroupManager({ mountRoot: root, selfCgroup: '0::/\n', nodeName: 'node1' }), new CgroupManager({ mountRoot: root, selfCgroup: '0::/\n', nodeName: 'node2' })];
    await a.init(log);
    await b.init(log);
    expect(a.forJob('42')?.dirs.unified).toBe(`${root}/sluice.slice/job-42.node1`);
    expect(b.forJob('42')?.dirs.unified).toBe(`${root}/sluice.slice/job-42.node2`);
  });

  it('does without limits, saying so, when the controllers are not offered', async () => {
    file('cgroup.controllers', 'pids\n');
    const m = new CgroupManager({ mountRoot: root, selfCgroup: '0::/\n' });
    await m.init(log);
    expect(m.forJob('1')?.dirs).toMatchObject({ unified: `${root}/sluice.slice/job-1`, v2Limits: false });
    expect(m.notes.join('\n')).toMatch(/memory limits are NOT enforced/);
    expect(m.notes.join('\n')).toMatch(/CPU limits are NOT enforced/);
  });
});

describe('no cgroups at all', () => {
  it('warns once and hands out no cgroup', async () => {
    const warnings: string[] = [];
    const m = new CgroupManager({ mountRoot: path.join(root, 'missing'), selfCgroup: '0::/\n' });
    await m.init(pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) }));
    expect(m.enabled).toBe(false);
    expect(m.forJob('1')).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/process group only, CPU and memory limits are NOT enforced/);
  });
});
