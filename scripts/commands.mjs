// The root npm scripts, run by bootstrap.mjs under Node 24 once dependencies are installed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensurePythonEnv } from './lib/python-env.mjs';
import { ensureSystemPackages } from './lib/system-packages.mjs';

/** Runs a command, passing Ctrl-C on to it; resolves to its exit code. */
function exec(cmd, args, { root, env }, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: root, env: { ...env, ...extraEnv } });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (err) => {
      console.error(`[sluice] ${cmd}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
  });
}

function hashTree(h, dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) hashTree(h, p);
    else h.update(p).update(readFileSync(p));
  }
}

/** `next build` when the pages (or what they import) changed since the last build. */
async function ensureWebBuild(c, force = false) {
  const web = path.join(c.root, 'apps', 'web');
  const h = createHash('sha256');
  for (const d of ['src/app', 'src/ui', 'public']) hashTree(h, path.join(web, d));
  hashTree(h, path.join(c.root, 'packages', 'contracts', 'src'));
  for (const f of ['next.config.ts', 'package.json']) h.update(readFileSync(path.join(web, f)));
  h.update(readFileSync(path.join(c.root, 'package-lock.json')));
  const stamp = h.digest('hex');
  const stampFile = path.join(web, '.next', 'sluice-build-digest');
  if (!force && existsSync(path.join(web, '.next', 'BUILD_ID')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return 0;
  c.say('building the portal (next build)');
  const code = await exec(process.execPath, [path.join(c.root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build', web], c);
  if (code === 0) writeFileSync(stampFile, stamp);
  return code;
}

const tsx = (c, script, args, extraEnv) => exec(process.execPath, ['--import', 'tsx', script, ...args], c, extraEnv);
const bin = (c, name) => path.join(c.root, 'node_modules', '.bin', name);

async function steps(...fns) {
  for (const fn of fns) {
    const code = await fn();
    if (code !== 0) return code;
  }
  return 0;
}

/**
 * What the container-job tests run on: podman, runc (crun refuses hybrid cgroup layouts) and a
 * busybox to build an image from. Only as root: those tests need real Unix users, so without
 * root they skip (saying so) whatever is installed.
 */
const containerTestPackages = () => (process.getuid?.() === 0 ? ['podman', 'runc', 'busybox-static'] : []);

const pythonEnv = (c) => ensurePythonEnv({ root: c.root, log: (m) => c.say(m) });

export async function runCommand(command, args, c) {
  switch (command) {
    case 'start':
    case 'dev': {
      const py = await pythonEnv(c);
      const dev = command === 'dev';
      if (!dev) {
        const code = await ensureWebBuild(c);
        if (code !== 0) return code;
      }
      return tsx(c, 'scripts/appliance.ts', args, { SLUICE_PYTHON_ENV: c.env.SLUICE_PYTHON_ENV ?? path.dirname(path.dirname(py.python)), SLUICE_DEV: String(dev) });
    }
    case 'build':
      return ensureWebBuild(c, true);
    case 'lint':
      return exec(bin(c, 'biome'), ['lint', '.', ...args], c);
    case 'typecheck':
      return exec(bin(c, 'tsc'), ['-p', 'tsconfig.json', ...args], c);
    case 'test:unit':
      ensureSystemPackages(containerTestPackages(), c.say);
      await pythonEnv(c);
      return exec(bin(c, 'vitest'), ['run', ...args], c);
    case 'test:e2e':
      ensureSystemPackages(['chromium'], c.say);
      await pythonEnv(c);
      return steps(
        () => ensureWebBuild(c),
        () => exec(bin(c, 'playwright'), ['test', '-c', 'e2e/playwright.config.ts', ...args], c),
      );
    case 'test':
      ensureSystemPackages(['chromium', ...containerTestPackages()], c.say);
      await pythonEnv(c);
      return steps(
        () => exec(bin(c, 'biome'), ['lint', '.'], c),
        () => exec(bin(c, 'tsc'), ['-p', 'tsconfig.json'], c),
        () => exec(process.execPath, ['--test', 'scripts/lib/python-env.test.mjs'], c),
        () => exec(bin(c, 'vitest'), ['run', ...args], c),
        () => ensureWebBuild(c),
        () => exec(bin(c, 'playwright'), ['test', '-c', 'e2e/playwright.config.ts'], c),
      );
    case 'bench':
      return exec('npm', ['run', 'bench', '-w', 'packages/scheduler-core', '--', ...args], c);
    case 'bench:sessions':
      return tsx(c, 'scripts/bench/session-latency.ts', args);
    case 'sim':
      return tsx(c, 'packages/scheduler-core/bin/sim.ts', args);
    case 'replay':
      return tsx(c, 'scripts/replay.ts', args);
    case 'db:migrate':
      return tsx(c, 'scripts/db-migrate.ts', args);
    case 'db:diff':
      return exec(process.execPath, ['packages/db/scripts/diff.mjs', ...args], c);
    default:
      console.error(`unknown command "${command}"`);
      return 2;
  }
}
