import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPodman } from '../src/container/podman';
import { parseRLimits } from '../src/container/run-args';

const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'id', 'env', 'echo', 'sleep', 'cat', 'ls', 'touch', 'pwd', 'whoami', 'true', 'grep', 'head', 'dd', 'stat', 'tr', 'sort'];

/** Libraries a binary needs (none for busybox-static): `ldd` lines "lib => /path (0x…)" and "/lib64/ld-… (0x…)". */
function sharedLibraries(binary: string): string[] {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return [...r.stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1] as string);
}

/**
 * A tiny image built without any network: a root file system with busybox (Debian's
 * busybox-static; a dynamic busybox brings its libraries), an /etc/passwd that knows only root,
 * PATH=/bin, and a set-uid-root copy of busybox in /suid (to prove it cannot make a job root),
 * imported into podman's local store as `localhost/<name>:1`.
 */
export function buildTestImage(podman: string, name: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'sluice-rootfs-'));
  try {
    for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'suid']) mkdirSync(path.join(root, d));
    chmodSync(path.join(root, 'tmp'), 0o1777);
    copyFileSync(BUSYBOX, path.join(root, 'bin/busybox'));
    chmodSync(path.join(root, 'bin/busybox'), 0o755);
    // Named busybox, so that it reads the applet from its first argument.
    copyFileSync(BUSYBOX, path.join(root, 'suid/busybox'));
    chmodSync(path.join(root, 'suid/busybox'), 0o4755);
    for (const lib of sharedLibraries(BUSYBOX)) {
      mkdirSync(path.join(root, path.dirname(lib)), { recursive: true });
      copyFileSync(lib, path.join(root, lib));
    }
    for (const a of APPLETS) symlinkSync('busybox', path.join(root, 'bin', a));
    writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\n');
    const tar = path.join(root, '..', `${path.basename(root)}.tar`);
    execFileSync('tar', ['-C', root, '-cf', tar, '.']);
    const ref = `localhost/${name}:1`;
    execFileSync(podman, ['import', '--change', 'ENV PATH=/bin', tar, ref], { stdio: 'pipe' });
    rmSync(tar);
    return ref;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Whether podman can run a container here, with the options the agent uses, first with
 * podman's default OCI runtime, then with runc (crun refuses hybrid cgroup layouts whose
 * cgroup2 tree has controllers). Returns the runtime to use, or the errors of both tries.
 */
export function usableRuntime(podman: string, image: string): { runtime: string | null } | { error: string } {
  const limits = parseRLimits(readFileSync('/proc/self/limits', 'utf8'));
  const ulimits = limits ? ['--ulimit', `nofile=${limits.nofile.soft}:${limits.nofile.hard}`, '--ulimit', `nproc=${limits.nproc.soft}:${limits.nproc.hard}`] : [];
  const errors: string[] = [];
  for (const runtime of [null, 'runc']) {
    const r = spawnSync(podman, [...(runtime ? ['--runtime', runtime] : []), 'run', '--rm', '--pull=never', '--network=host', ...ulimits, image, 'true'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { runtime };
    errors.push(`${runtime ?? 'default runtime'}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  }
  return { error: errors.join('; ') };
}

/** Names of the containers, running or not, carrying `label` (`key=value`), as `podman ps -a` lists them. */
export function containersLabelled(podman: string, label: string): string[] {
  return execFileSync(podman, ['ps', '--all', '--filter', `label=${label}`, '--format', '{{.Names}}'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

export { findPodman };
