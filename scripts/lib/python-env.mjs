// Project-managed Python environment for the JupyterLab servers and Ray
// clusters that Sluice's node agent launches (see python/README.md).
//
// Dependency-free on purpose (only `node:` built-ins): it runs from
// scripts/bootstrap.mjs before `npm install` has necessarily happened, on
// Node 20 and 24.
//
//   ensurePythonEnv({ root })  -> { python, bin }   venv under .runtime/python
//   buildWheelhouse({ root, outDir })               wheels for an offline site
//
// The venv is created with `python3 -m venv` (override the interpreter with
// SLUICE_PYTHON) and filled from python/requirements.txt with
// `pip install --require-hashes --no-deps`, so exactly the locked, hashed
// distributions are installed and nothing else is resolved at install time.
// With SLUICE_WHEELHOUSE=<dir> the install is offline (--no-index).
//
// A stamp file in the venv records the sha256 of requirements.txt and the
// interpreter version; when it matches, ensurePythonEnv does no work. The stamp
// is removed before any change and written last, so an interrupted install is
// redone on the next call.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The JupyterLab version python/requirements.txt pins; verified after install. */
export const JUPYTERLAB_VERSION = '4.6.6';

/** The Ray version python/requirements.txt pins; verified after install. */
export const RAY_VERSION = '2.60.0';

/** Name of the stamp file inside the venv. */
export const STAMP_FILE = '.sluice-python-stamp.json';

/** Distributions `python -m venv` bootstraps itself; never pruned. */
const VENV_BOOTSTRAP = new Set(['pip', 'setuptools', 'wheel']);

const VENV_PACKAGE_JSON = {
  private: true,
  description: 'Sluice-managed Python venv; makes Node treat .js files in here as CommonJS',
  type: 'commonjs',
};

const PIP_ENV = { PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' };

/** Absolute path of the lock file for a project root. */
export function requirementsFile(root) {
  return join(resolve(root), 'python', 'requirements.txt');
}

/** sha256 (hex) of a requirements file's bytes. */
export async function requirementsDigest(file) {
  const bytes = await readFile(file);
  return createHash('sha256').update(bytes).digest('hex');
}

/** Parsed stamp of a venv, or null when absent or unreadable. */
export async function readStamp(envDir) {
  try {
    const stamp = JSON.parse(await readFile(join(envDir, STAMP_FILE), 'utf8'));
    return stamp && typeof stamp === 'object' ? stamp : null;
  } catch {
    return null;
  }
}

/**
 * True when the venv's stamp records this requirements digest (and, when
 * given, this interpreter version).
 */
export async function stampMatches(envDir, digest, pythonVersion) {
  const stamp = await readStamp(envDir);
  if (!stamp || typeof digest !== 'string' || stamp.requirementsSha256 !== digest) return false;
  if (pythonVersion !== undefined && stamp.python !== pythonVersion) return false;
  return true;
}

/** Write the stamp atomically (temp file + rename). Call only after a verified install. */
export async function writeStamp(envDir, { digest, pythonVersion, jupyterlab = JUPYTERLAB_VERSION }) {
  const file = join(envDir, STAMP_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const body = {
    requirementsSha256: digest,
    python: pythonVersion,
    jupyterlab,
    ray: RAY_VERSION,
    installedAt: new Date().toISOString(),
  };
  await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`);
  await rename(tmp, file);
}

/** Remove the stamp (before touching the venv, so a half-done install is never trusted). */
export async function clearStamp(envDir) {
  await rm(join(envDir, STAMP_FILE), { force: true });
}

/** PEP 503 normalised project name. */
export function normalizeName(name) {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Map of normalised name -> version for every `name==version` pin in a lock file's text. */
export function parseLockedPackages(text) {
  const pins = new Map();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)/.exec(line);
    if (m) pins.set(normalizeName(m[1]), m[2]);
  }
  return pins;
}

/**
 * Create (if needed) and fill the managed venv.
 * @param {{ root: string, envDir?: string, log?: (line: string) => void, basePython?: string }} opts
 * @returns {Promise<{ python: string, bin: string }>} absolute paths
 */
export async function ensurePythonEnv({
  root,
  envDir = join(root, '.runtime/python'),
  log = console.log,
  basePython = process.env.SLUICE_PYTHON || 'python3',
} = {}) {
  if (!root) throw new Error('ensurePythonEnv: `root` is required');
  const started = Date.now();
  envDir = resolve(envDir);
  const bin = join(envDir, 'bin');
  const python = join(bin, 'python');
  const reqFile = requirementsFile(root);
  const say = (msg) => log(`[python-env] ${msg}`);

  const digest = await requirementsDigest(reqFile).catch((err) => {
    throw new Error(`ensurePythonEnv: cannot read ${reqFile}: ${err.message}`);
  });

  // Fast path, lock-free: stamp matches and the venv still runs.
  if (await upToDate(envDir, digest)) {
    say(`up to date (${envDir}, ${elapsed(started)})`);
    return { python, bin };
  }

  const release = await acquireLock(`${envDir}.lock`, say);
  try {
    // Another process may have finished the job while we waited.
    if (await upToDate(envDir, digest)) {
      say(`up to date (${envDir}, ${elapsed(started)})`);
      return { python, bin };
    }

    await clearStamp(envDir);
    const wheelhouse = await wheelhouseDir();

    // 1. venv
    let pythonVersion = await interpreterVersion(python);
    const reuse = pythonVersion !== null;
    if (!reuse) {
      const t = Date.now();
      say(`creating venv in ${envDir} with ${basePython}`);
      await createVenv(basePython, envDir, say);
      pythonVersion = await interpreterVersion(python);
      if (pythonVersion === null) throw new Error(`ensurePythonEnv: ${python} does not run after creating the venv`);
      say(`venv ready: ${pythonVersion} (${elapsed(t)})`);
    } else {
      say(`reusing venv ${envDir} (${pythonVersion}); requirements changed or install incomplete`);
    }

    // The venv sits under the repo, whose package.json says "type": "module";
    // Node would then load the CommonJS .js files that Python packages ship
    // (jupyter_builder's yarn.js, run by JupyterLab at start) as ESM and fail.
    // A package.json at the venv root stops that lookup.
    await writeFile(join(envDir, 'package.json'), `${JSON.stringify(VENV_PACKAGE_JSON, null, 2)}\n`);

    // 2. install the locked, hashed distributions
    let t = Date.now();
    const pins = parseLockedPackages(await readFile(reqFile, 'utf8'));
    const source = wheelhouse ? `wheelhouse ${wheelhouse} (offline)` : 'the package index';
    say(`installing ${pins.size} pinned packages from ${source}`);
    // Every locked distribution has a wheel for CPython 3.11 / linux x86_64, so
    // nothing is ever built from source (no compiler needed on a node).
    const args = ['-m', 'pip', 'install', '--require-hashes', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-r', reqFile];
    if (wheelhouse) args.push('--no-index', '--find-links', wheelhouse);
    await run(python, args, { env: PIP_ENV, what: 'pip install' });
    say(`installed (${elapsed(t)})`);

    // 3. on a reinstall, drop what the lock no longer lists
    if (reuse) {
      t = Date.now();
      const removed = await pruneUnlocked(python, pins);
      if (removed.length) say(`removed ${removed.length} unlocked package(s): ${removed.join(', ')} (${elapsed(t)})`);
    }

    // 4. verify: both programs the node agent starts run and are the pinned versions
    t = Date.now();
    const [version, ray] = await Promise.all([lastLineOf(bin, 'jupyter-lab'), lastLineOf(bin, 'ray')]);
    if (version !== JUPYTERLAB_VERSION) {
      throw new Error(
        `ensurePythonEnv: ${join(bin, 'jupyter-lab')} --version printed ${JSON.stringify(version)}, expected ${JUPYTERLAB_VERSION}`,
      );
    }
    if (ray !== `ray, version ${RAY_VERSION}`) {
      throw new Error(`ensurePythonEnv: ${join(bin, 'ray')} --version printed ${JSON.stringify(ray)}, expected "ray, version ${RAY_VERSION}"`);
    }
    say(`verified jupyter-lab ${version} and ray ${RAY_VERSION} (${elapsed(t)})`);

    // 5. stamp last
    await writeStamp(envDir, { digest, pythonVersion });
    say(`done in ${elapsed(started)}`);
    return { python, bin };
  } finally {
    await release();
  }
}

/**
 * Download every locked distribution (hash-checked) into outDir, for an
 * offline site: SLUICE_WHEELHOUSE=<outDir> then installs with --no-index.
 * Uses the managed venv's pip when present, else a throwaway venv.
 * @param {{ root: string, outDir: string, envDir?: string, log?: (line: string) => void, basePython?: string }} opts
 * @returns {Promise<{ outDir: string, files: string[] }>}
 */
export async function buildWheelhouse({
  root,
  outDir,
  envDir = join(root, '.runtime/python'),
  log = console.log,
  basePython = process.env.SLUICE_PYTHON || 'python3',
} = {}) {
  if (!root || !outDir) throw new Error('buildWheelhouse: `root` and `outDir` are required');
  const started = Date.now();
  const say = (msg) => log(`[python-env] ${msg}`);
  const reqFile = requirementsFile(root);
  outDir = resolve(outDir);
  await mkdir(outDir, { recursive: true });

  let python = join(resolve(envDir), 'bin', 'python');
  let scratch = null;
  if ((await interpreterVersion(python)) === null) {
    scratch = join(tmpdir(), `sluice-wheelhouse-venv-${process.pid}-${Date.now()}`);
    say(`creating a throwaway venv in ${scratch} for pip`);
    await createVenv(basePython, scratch, say);
    python = join(scratch, 'bin', 'python');
  }
  try {
    say(`downloading locked distributions into ${outDir}`);
    await run(
      python,
      ['-m', 'pip', 'download', '--require-hashes', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-r', reqFile, '-d', outDir],
      { env: PIP_ENV, what: 'pip download' },
    );
    // Ship the lock beside the wheels so the bundle is self-describing.
    await writeFile(join(outDir, 'requirements.txt'), await readFile(reqFile));
    const files = (await readdir(outDir)).filter((f) => f !== 'requirements.txt').sort();
    say(`wheelhouse has ${files.length} files (${elapsed(started)})`);
    return { outDir, files };
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------

async function upToDate(envDir, digest) {
  const stamp = await readStamp(envDir);
  if (!stamp || stamp.requirementsSha256 !== digest) return false;
  if (!(await canAccess(join(envDir, 'bin', 'jupyter-lab'))) || !(await canAccess(join(envDir, 'bin', 'ray')))) return false;
  if (!(await canAccess(join(envDir, 'package.json'), fsConstants.R_OK))) return false;
  // Interpreter still there and the same one (a Python upgrade or a removed
  // base interpreter breaks a venv); ~20 ms.
  const version = await interpreterVersion(join(envDir, 'bin', 'python'));
  return version !== null && (await stampMatches(envDir, digest, version));
}

async function wheelhouseDir() {
  const dir = process.env.SLUICE_WHEELHOUSE;
  if (!dir) return null;
  const abs = resolve(dir);
  const st = await stat(abs).catch(() => null);
  if (!st?.isDirectory()) {
    throw new Error(`SLUICE_WHEELHOUSE=${dir} is not a directory (build one with buildWheelhouse, or unset it to install from the index)`);
  }
  return abs;
}

/** e.g. "cpython-3.11.2 linux-x86_64", or null when the interpreter does not run. */
async function interpreterVersion(python) {
  if (!(await canAccess(python))) return null;
  try {
    const { stdout } = await run(
      python,
      ['-c', 'import platform,sys;print(f"{sys.implementation.name}-{platform.python_version()} {sys.platform}-{platform.machine()}")'],
      { what: 'python --version' },
    );
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

async function createVenv(basePython, envDir, say) {
  await mkdir(dirname(envDir), { recursive: true });
  const attempt = () => run(basePython, ['-m', 'venv', '--clear', envDir], { what: `${basePython} -m venv` });
  try {
    await attempt();
    return;
  } catch (err) {
    await rm(envDir, { recursive: true, force: true });
    if (err.code === 'ENOENT') {
      throw new Error(
        `ensurePythonEnv: ${basePython} not found. Install Python 3.11 (Debian 12: apt-get install python3 python3-venv) or set SLUICE_PYTHON to an interpreter.`,
      );
    }
    if (!isMissingVenvSupport(err.output)) throw err;
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const hasApt = await canAccess('/usr/bin/apt-get');
    if (!isRoot || !hasApt) {
      throw new Error(
        `ensurePythonEnv: ${basePython} -m venv failed because venv/ensurepip support is missing. Install it first: sudo apt-get install -y python3-venv (Debian/Ubuntu), then retry.`,
      );
    }
    say('python3-venv is missing; installing it with apt-get (running as root)');
    const aptEnv = { DEBIAN_FRONTEND: 'noninteractive' };
    try {
      await run('apt-get', ['install', '-y', 'python3-venv'], { env: aptEnv, what: 'apt-get install python3-venv' });
    } catch {
      await run('apt-get', ['update'], { env: aptEnv, what: 'apt-get update' });
      await run('apt-get', ['install', '-y', 'python3-venv'], { env: aptEnv, what: 'apt-get install python3-venv' });
    }
  }
  try {
    await attempt();
  } catch (err) {
    await rm(envDir, { recursive: true, force: true });
    if (isMissingVenvSupport(err.output)) {
      err.message = `${err.message}\n(python3-venv is installed now, but ${basePython} still lacks venv support: install the venv package for that interpreter, e.g. python3.11-venv, or set SLUICE_PYTHON)`;
    }
    throw err;
  }
}

/** Debian's python3 without python3-venv: "ensurepip is not available ... apt install python3-venv". */
export function isMissingVenvSupport(output = '') {
  return /ensurepip is not\s+available|python3(\.\d+)?-venv|No module named (venv|ensurepip)/i.test(output);
}

async function pruneUnlocked(python, pins) {
  const { stdout } = await run(python, ['-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'], {
    env: PIP_ENV,
    what: 'pip list',
  });
  const installed = JSON.parse(stdout).map((d) => normalizeName(d.name));
  const extra = installed.filter((n) => !pins.has(n) && !VENV_BOOTSTRAP.has(n));
  if (extra.length) {
    await run(python, ['-m', 'pip', 'uninstall', '-y', '--disable-pip-version-check', ...extra], {
      env: PIP_ENV,
      what: 'pip uninstall',
    });
  }
  return extra;
}

/** The last line `<program> --version` prints. */
async function lastLineOf(bin, program) {
  const { stdout } = await run(join(bin, program), ['--version'], { what: `${program} --version` });
  const lines = stdout.trim().split(/\r?\n/);
  return lines[lines.length - 1].trim();
}

async function canAccess(file, mode = fsConstants.X_OK) {
  try {
    await access(file, mode);
    return true;
  } catch {
    return false;
  }
}

/** Spawn, capture output; reject with the output's tail on a non-zero exit. */
function run(cmd, args, { env = {}, what = cmd } = {}) {
  return new Promise((resolvePromise, reject) => {
    let child;
    try {
      child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      reject(err);
      return;
    }
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    child.on('error', (err) => {
      err.output = stderr;
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolvePromise({ stdout, stderr });
        return;
      }
      const output = `${stdout}\n${stderr}`.trim();
      const tail = output.split(/\r?\n/).slice(-30).join('\n');
      const err = new Error(`${what} failed (${signal ? `signal ${signal}` : `exit ${code}`}):\n${tail}`);
      err.output = output;
      err.exitCode = code;
      reject(err);
    });
  });
}

async function acquireLock(lockDir, say) {
  await mkdir(dirname(lockDir), { recursive: true });
  const pidFile = join(lockDir, 'pid');
  const deadline = Date.now() + 20 * 60_000;
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(pidFile, String(process.pid));
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
    const age = Date.now() - ((await stat(lockDir).catch(() => null))?.mtimeMs ?? Date.now());
    if ((pid && !processAlive(pid)) || (!pid && age > 60_000)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      say(`waiting for another install (lock ${lockDir}${pid ? `, pid ${pid}` : ''})`);
      announced = true;
    }
    if (Date.now() > deadline) throw new Error(`ensurePythonEnv: timed out waiting for lock ${lockDir}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function elapsed(since) {
  const ms = Date.now() - since;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
