import { describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/cgroup/layout';
import { type ContainerRun, containerRunArgs, parseRLimits } from '../../src/container/run-args';
import { cgroupParentOf } from '../../src/container/runtime';

const U0 = 'GPU-3b7c8a10-5f2e-4d4c-9a61-0e8f2b1c7d90';
const U1 = 'GPU-9d2e4f61-0c3b-4a7e-8f15-6b2a9c0e4d13';

const run = (over: Partial<ContainerRun> = {}): ContainerRun => ({
  jobId: '42',
  image: 'localhost/pytorch:24.01',
  pull: 'never',
  command: 'python train.py; echo "$HOME" > out',
  account: { name: 'alice', uid: 1001, gid: 1001, groups: [1001, 2000, 2001], home: '/home/alice' },
  rootless: false,
  mounts: ['/home/alice', '/var/lib/sluice/jobs/job-42'],
  workdir: '/home/alice',
  envFile: '/var/lib/sluice/containers/job-42.env',
  devices: [`nvidia.com/gpu=${U0}`, `nvidia.com/gpu=${U1}`],
  cgroupParent: '/sluice.slice/job-42',
  limits: null,
  rlimits: { nofile: { soft: 1024, hard: 524288 }, nproc: { soft: 32768, hard: 32768 } },
  ...over,
});

/** The values of every occurrence of a flag that takes a separate value. */
const values = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

describe('podman run arguments of a container job', () => {
  it('runs as the account with its groups, home and job directory, in the job cgroup, with each GPU by CDI', () => {
    const args = containerRunArgs(run());
    expect(args.slice(0, 3)).toEqual(['run', '--rm', '--replace']);
    expect(values(args, '--name')).toEqual(['sluice-job-42']);
    expect(values(args, '--label')).toEqual(['sluice.job=42']);
    expect(values(args, '--user')).toEqual(['1001:1001']);
    expect(values(args, '--group-add')).toEqual(['2000', '2001']);
    expect(values(args, '--passwd-entry')).toEqual(['alice:*:1001:1001::/home/alice:/bin/sh']);
    expect(values(args, '--volume')).toEqual(['/home/alice:/home/alice', '/var/lib/sluice/jobs/job-42:/var/lib/sluice/jobs/job-42']);
    expect(values(args, '--workdir')).toEqual(['/home/alice']);
    expect(values(args, '--env-file')).toEqual(['/var/lib/sluice/containers/job-42.env']);
    expect(values(args, '--device')).toEqual([`nvidia.com/gpu=${U0}`, `nvidia.com/gpu=${U1}`]);
    expect(values(args, '--cgroup-parent')).toEqual(['/sluice.slice/job-42']);
    expect(values(args, '--ulimit')).toEqual(['nofile=1024:524288', 'nproc=32768:32768']);
    expect(args).toEqual(expect.arrayContaining(['--pull=never', '--network=host', '--pid=host', '--ipc=host', '--cap-drop=all', '--security-opt=no-new-privileges', '--cgroups=no-conmon']));
    expect(args).not.toContain('--memory');
    expect(args).not.toContain('--privileged');
    expect(args).not.toContain('--userns=keep-id');
  });

  it('puts the image and the command after --, the command as one argument of /bin/sh -c', () => {
    const args = containerRunArgs(run());
    expect(args.slice(args.indexOf('--'))).toEqual(['--', 'localhost/pytorch:24.01', '/bin/sh', '-c', 'python train.py; echo "$HOME" > out']);
    expect(args.filter((a) => a === '--')).toHaveLength(1);
    // Nothing of the job's environment is on the command line (every user can read it in ps).
    expect(args.join(' ')).not.toMatch(/SLUICE_|CUDA_VISIBLE_DEVICES/);
  });

  it('passes no device for a job without GPUs, and lets podman pull only when asked', () => {
    const args = containerRunArgs(run({ devices: [], pull: 'missing' }));
    expect(args).not.toContain('--device');
    expect(args).toContain('--pull=missing');
  });

  it('maps the agent user into the container for rootless podman, and sets limits itself outside a job cgroup', () => {
    const args = containerRunArgs(run({ rootless: true, cgroupParent: null, limits: { cpus: 4, memoryMiB: 8192 }, rlimits: null }));
    expect(args).toContain('--userns=keep-id');
    expect(args).not.toContain('--user');
    expect(args).not.toContain('--group-add');
    expect(args).not.toContain('--cgroup-parent');
    expect(values(args, '--memory')).toEqual(['8192m']);
    expect(values(args, '--memory-swap')).toEqual(['8192m']);
    expect(values(args, '--cpus')).toEqual(['4']);
    expect(args).not.toContain('--ulimit');
  });
});

describe('limits and cgroup placement', () => {
  it("copies the agent's open-file and process limits, processes capped at podman's own", () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             96364                96364                processes ',
      'Max open files            1024                 524288               files     ',
    ].join('\n');
    expect(parseRLimits(limits)).toEqual({ nofile: { soft: 1024, hard: 524288 }, nproc: { soft: 32768, hard: 32768 } });
    expect(parseRLimits(limits.replace('96364                96364', '4096                 unlimited'))?.nproc).toEqual({ soft: 4096, hard: 32768 });
    expect(parseRLimits('nothing')).toBeNull();
  });

  const hybrid: CgroupLayout = { kind: 'hybrid', unified: '/sys/fs/cgroup/unified', v2Controllers: [], v1: { memory: '/sys/fs/cgroup/memory', cpu: '/sys/fs/cgroup/cpu', pids: '/sys/fs/cgroup/pids' } };

  it('gives podman the job cgroup as one path when it is the same in every hierarchy', () => {
    const dirs = { unified: '/sys/fs/cgroup/unified/sluice.slice/job-42', v2Limits: false, memory: '/sys/fs/cgroup/memory/sluice.slice/job-42', cpu: '/sys/fs/cgroup/cpu/sluice.slice/job-42', pids: null };
    expect(cgroupParentOf(dirs, hybrid)).toBe('/sluice.slice/job-42');
    const v2: CgroupLayout = { kind: 'v2', unified: '/sys/fs/cgroup', v2Controllers: ['memory', 'cpu'], v1: {} };
    expect(cgroupParentOf({ unified: '/sys/fs/cgroup/sluice.slice/job-7', v2Limits: true, memory: null, cpu: null, pids: null }, v2)).toBe('/sluice.slice/job-7');
  });

  it('gives none when the paths differ between hierarchies or a mount is unknown', () => {
    const dirs = { unified: '/sys/fs/cgroup/unified/agent.service/sluice.slice/job-42', v2Limits: false, memory: '/sys/fs/cgroup/memory/sluice.slice/job-42', cpu: null, pids: null };
    expect(cgroupParentOf(dirs, hybrid)).toBeNull();
    expect(cgroupParentOf({ ...dirs, unified: null, cpu: '/sys/fs/cgroup/cpu/sluice.slice/job-42' }, { ...hybrid, v1: { memory: '/sys/fs/cgroup/memory' } })).toBeNull();
  });
});
