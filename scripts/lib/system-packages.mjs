// Debian packages the build and the tests need (a C++ toolchain for native addons, chromium for the
// end-to-end tests, podman, runc and busybox for the container-job tests), installed with apt-get
// when missing and we are root; otherwise a clear message says what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** How to tell each package is there. */
const PROBES = { chromium: '/usr/bin/chromium', runc: '/usr/sbin/runc', 'busybox-static': '/bin/busybox' };

export function ensureSystemPackages(names, say = console.error) {
  const missing = names.filter((n) => !existsSync(PROBES[n] ?? `/usr/bin/${n}`));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages: ${missing.join(' ')} (run: sudo apt-get install -y ${missing.join(' ')})`);
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...missing]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status})`);
  }
}
