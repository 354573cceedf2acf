import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDir } from '../src/job-state';
import { findSetpriv, launchArgv } from '../src/launch-command';
import { lookUpAccount } from '../src/unix-account';
import { refusedVariable, workloadEnv } from '../src/user-env';
import { Workload, type WorkloadEnd } from '../src/workload';
import { startExecutor } from './executor-harness';
import { isRoot, SKIP_NOT_ROOT, TestUsers } from './unix-users';

if (!isRoot) console.warn(`job-spec-security: ${SKIP_NOT_ROOT}`);

describe('variables a job may not set', () => {
  it('refuses loader, shell start-up and identity variables, and malformed names', () => {
    for (const name of ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'GCONV_PATH', 'BASH_ENV', 'ENV', 'BASH_FUNC_x%%', 'IFS', 'GLIBC_TUNABLES', 'NODE_OPTIONS']) {
      expect(refusedVariable(name, 'x'), name).not.toBeNull();
    }
    expect(refusedVariable('HOME', '/root')).toMatch(/set from the Unix account/);
    expect(refusedVariable('A=B', 'x')).toMatch(/not a valid variable name/);
    expect(refusedVariable('X', 'a\0b')).toMatch(/NUL/);
    expect(refusedVariable('OMP_NUM_THREADS', '4')).toBeNull();
    const { env, refused } = workloadEnv({ name: 'alice', home: '/home/alice', shell: '/bin/bash' }, '/usr/bin:/bin', { LD_PRELOAD: '/tmp/x.so', HOME: '/root', WANDB_MODE: 'offline' });
    expect(env).toEqual({ PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', WANDB_MODE: 'offline', HOME: '/home/alice', USER: 'alice', LOGNAME: 'alice', SHELL: '/bin/bash' });
    expect(refused).toHaveLength(2);
  });
});

describe.skipIf(!isRoot)('job specs cannot escape their user', () => {
  const users = new TestUsers();
  let h: Awaited<ReturnType<typeof startExecutor>>;
  let eve: ReturnType<TestUsers['user']>;
  const evilDir = `/tmp/${users.prefix}-evil`;
  const marker = `/tmp/${users.prefix}-marker`;

  beforeAll(async () => {
    eve = users.user('eve');
    mkdirSync(evilDir, { recursive: true });
    // A PATH entry with programs named like the ones the agent runs as root.
    for (const name of ['setpriv', 'sh', 'env']) {
      writeFileSync(path.join(evilDir, name), `#!/bin/sh\necho "${name} ran as $(id -u)" >> ${marker}\nexec /usr/bin/${name} "$@"\n`);
      chmodSync(path.join(evilDir, name), 0o755);
    }
    h = await startExecutor({ path: `${evilDir}:/usr/local/bin:/usr/bin:/bin` });
  });
  afterAll(async () => {
    await h?.cleanup();
    users.cleanup();
    execFileSync('rm', ['-rf', evilDir, marker]);
  });

  it('runs a command full of shell metacharacters as one argument of the user shell, as the user', async () => {
    const command = `tr '\\0' '\\n' < /proc/$$/cmdline; touch /root/${users.prefix}-pwned; exit 0 # "; $(id) \`id\` | & > < '\\''`;
    const { exited, output } = await h.run({ user: eve.name, command });
    expect(exited).toMatchObject({ cause: 'exit', exitCode: 0 });
    // The shell's argv: the shell, -c, and the command exactly as submitted.
    expect(output.split('\n').slice(0, 3)).toEqual(['/bin/bash', '-c', command]);
    expect(output).toMatch(/touch: cannot touch .*Permission denied/);
    expect(existsSync(`/root/${users.prefix}-pwned`)).toBe(false);
  });

  it('never lets a job PATH choose the programs that run as root (setpriv, sh)', async () => {
    const { exited, output } = await h.run({ user: eve.name, command: 'echo "path=$PATH"; id -u' });
    expect(exited).toMatchObject({ cause: 'exit', exitCode: 0 });
    expect(output).toContain(`path=${evilDir}:`);
    expect(output).toContain(`\n${eve.uid}\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('never lets LD_PRELOAD reach the privileged launcher', async () => {
    const so = path.join(evilDir, 'evil.so');
    const src = path.join(evilDir, 'evil.c');
    writeFileSync(src, `#include <stdio.h>\n#include <unistd.h>\n__attribute__((constructor)) static void f(void) { FILE *o = fopen("${marker}", "a"); if (o) { fprintf(o, "preloaded as %d\\n", getuid()); fclose(o); } }\n`);
    const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', so, src]);
    if (cc.status !== 0) throw new Error(`cc is needed to build the preload library: ${cc.stderr}`);
    // The library works: preloaded into a root process, it leaves its mark.
    execFileSync('/bin/true', [], { env: { ...process.env, LD_PRELOAD: so } });
    expect(existsSync(marker)).toBe(true);
    execFileSync('rm', ['-f', marker]);

    const account = await lookUpAccount(eve.name);
    if (!account) throw new Error('eve is missing');
    const { env, refused } = workloadEnv(account, '/usr/bin:/bin', { LD_PRELOAD: so, SLUICE_JOB_ID: 'x' });
    expect(refused.join()).toContain('LD_PRELOAD');
    const cg = h.cgroups.forJob('preload');
    await cg?.create({ cpus: 1, memoryMiB: 128 });
    const argv = launchArgv({ program: ['/bin/sh', '-c', 'id -u'], procsFiles: cg?.procsFiles() ?? [], account, setpriv: findSetpriv() });
    const limits = { cpus: 1, memoryMiB: 128 };
    const run = RunDir.create(h.stateDir, { spec: h.spec({ jobId: 'preload', user: eve.name, command: '' }), limits, cgroup: cg?.dirs ?? null, sessionPort: null, supervisor: null, session: null, stopping: false, discarded: false });
    const exit = await new Promise<number | null>((resolve) => {
      const events = { started: () => {}, exited: (r: WorkloadEnd) => resolve(r.exitCode) };
      Workload.start(run, { ...argv, env, cwd: '/', killFile: null }, { cgroup: cg, supervisorProcs: null, events, log: pino({ level: 'silent' }) });
    });
    expect(exit).toBe(0);
    expect(readFileSync(run.file('output'), 'utf8').trim()).toBe(String(eve.uid));
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses job ids that would be paths, creating nothing', async () => {
    for (const jobId of ['../../escape', 'a/b', '..', '']) {
      await h.executor.launch(h.spec({ jobId, user: eve.name, command: 'true' }));
      expect(await h.exited(jobId)).toMatchObject({ cause: 'launch-failed', message: expect.stringContaining('invalid job id') });
    }
    expect(readdirSync(h.stateDir).filter((f) => f !== 'jobs' && f !== 'run')).toEqual([]);
    expect(RunDir.list(h.stateDir).filter((id) => !id.startsWith('t') && id !== 'preload')).toEqual([]);
    expect(existsSync(path.join(h.stateDir, '..', 'escape'))).toBe(false);
  });

  it('refuses user names with metacharacters or path parts', async () => {
    for (const user of ['../root', `${eve.name};id`, '-o', '$(id)']) {
      const { exited } = await h.run({ user, command: `touch ${marker}` });
      expect(exited).toMatchObject({ cause: 'launch-failed', reason: 'NoUnixAccount', message: expect.stringContaining('not a valid Unix account name') });
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('does not follow a link the user planted in its job directory', async () => {
    const target = `/tmp/${users.prefix}-rootdir`;
    mkdirSync(target, { mode: 0o755 });
    try {
      const first = await h.run({ user: eve.name, command: `rmdir "$SLUICE_CHECKPOINT_DIR" && ln -s ${target} "$SLUICE_CHECKPOINT_DIR"` });
      expect(first.exited).toMatchObject({ exitCode: 0 });
      // Launched again (a requeued job keeps its id; the scheduler recorded the first end): the
      // agent must not chown the link's target.
      h.executor.acknowledge([first.jobId]);
      await h.executor.launch(h.spec({ jobId: first.jobId, user: eve.name, command: 'true' }));
      // launch() resolves once a launch that fails has said so.
      const again = h.messages.filter((m) => m.type === 'exited' && m.jobId === first.jobId).at(-1);
      expect(again).toMatchObject({ cause: 'launch-failed' });
      expect(statSync(target)).toMatchObject({ uid: 0, gid: 0 });
    } finally {
      rmdirSync(target);
    }
  });
});
