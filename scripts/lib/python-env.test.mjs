// Tests for scripts/lib/python-env.mjs that never run a real pip install:
// run with `node --test scripts/lib/python-env.test.mjs`.
//
// The stamp helpers are tested directly; ensurePythonEnv is driven against a
// fake venv whose bin/python, bin/jupyter-lab and bin/ray are small shell scripts that
// record their arguments, so the skip / reinstall / verify / prune decisions
// are observable without PyPI.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  clearStamp,
  ensurePythonEnv,
  isMissingVenvSupport,
  JUPYTERLAB_VERSION,
  normalizeName,
  parseLockedPackages,
  RAY_VERSION,
  readStamp,
  requirementsDigest,
  requirementsFile,
  STAMP_FILE,
  stampMatches,
  writeStamp,
} from './python-env.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FAKE_VERSION = 'cpython-3.11.0 linux-x86_64';

const scratch = await mkdtemp(join(tmpdir(), 'sluice-python-env-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

let n = 0;
/** A temp project root holding a copy of the real python/requirements.txt. */
async function tempRoot() {
  const root = join(scratch, `root-${++n}`);
  await mkdir(join(root, 'python'), { recursive: true });
  await copyFile(requirementsFile(repoRoot), requirementsFile(root));
  return root;
}

/**
 * A fake venv: bin/python answers the interpreter probe and `-m pip ...`
 * (exit code from <env>/pip-exit, default 0); bin/jupyter-lab prints
 * <env>/lab-version. Every call is appended to <env>/calls.log.
 */
async function fakeVenv(envDir, { labVersion = JUPYTERLAB_VERSION, rayVersion = RAY_VERSION, pipExit = 0, installed = [] } = {}) {
  await mkdir(join(envDir, 'bin'), { recursive: true });
  await writeFile(join(envDir, 'package.json'), '{"type":"commonjs"}\n');
  await writeFile(join(envDir, 'lab-version'), `${labVersion}\n`);
  await writeFile(join(envDir, 'ray-version'), `ray, version ${rayVersion}\n`);
  await writeFile(join(envDir, 'pip-exit'), `${pipExit}\n`);
  await writeFile(join(envDir, 'pip-list.json'), JSON.stringify(installed));
  const python = `#!/bin/sh
env_dir="$(cd "$(dirname "$0")/.." && pwd)"
echo "python $*" >> "$env_dir/calls.log"
if [ "$1" = "-c" ]; then echo "${FAKE_VERSION}"; exit 0; fi
if [ "$1 $2 $3" = "-m pip list" ]; then cat "$env_dir/pip-list.json"; exit 0; fi
code="$(cat "$env_dir/pip-exit")"
[ "$code" = 0 ] || echo "fake pip failure" >&2
exit "$code"
`;
  const lab = `#!/bin/sh
env_dir="$(cd "$(dirname "$0")/.." && pwd)"
echo "jupyter-lab $*" >> "$env_dir/calls.log"
cat "$env_dir/lab-version"
`;
  const ray = `#!/bin/sh
env_dir="$(cd "$(dirname "$0")/.." && pwd)"
echo "ray $*" >> "$env_dir/calls.log"
cat "$env_dir/ray-version"
`;
  for (const [name, body] of [['python', python], ['jupyter-lab', lab], ['ray', ray]]) {
    await writeFile(join(envDir, 'bin', name), body);
    await chmod(join(envDir, 'bin', name), 0o755);
  }
}

async function calls(envDir) {
  return (await readFile(join(envDir, 'calls.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

const exists = (p) => stat(p).then(
  () => true,
  () => false,
);
const quiet = () => {};

test('requirementsDigest is the sha256 of the file bytes and tracks edits', async () => {
  const root = await tempRoot();
  const file = requirementsFile(root);
  const bytes = await readFile(file);
  const d1 = await requirementsDigest(file);
  assert.equal(d1, createHash('sha256').update(bytes).digest('hex'));
  assert.match(d1, /^[0-9a-f]{64}$/);
  assert.equal(await requirementsDigest(file), d1, 'stable across calls');
  await appendFile(file, '# edited\n');
  assert.notEqual(await requirementsDigest(file), d1);
});

test('stampMatches: absent, written, other digest, other python, cleared, corrupt', async () => {
  const envDir = join(scratch, 'stamp-env');
  await mkdir(envDir, { recursive: true });
  const digest = 'a'.repeat(64);

  assert.equal(await stampMatches(envDir, digest), false, 'no stamp yet');
  assert.equal(await readStamp(envDir), null);

  await writeStamp(envDir, { digest, pythonVersion: FAKE_VERSION });
  const stamp = await readStamp(envDir);
  assert.equal(stamp.requirementsSha256, digest);
  assert.equal(stamp.python, FAKE_VERSION);
  assert.equal(stamp.jupyterlab, JUPYTERLAB_VERSION);

  assert.equal(await stampMatches(envDir, digest), true);
  assert.equal(await stampMatches(envDir, digest, FAKE_VERSION), true);
  assert.equal(await stampMatches(envDir, 'b'.repeat(64)), false, 'requirements changed');
  assert.equal(await stampMatches(envDir, digest, 'cpython-3.12.1 linux-x86_64'), false, 'python changed');
  assert.equal(await stampMatches(envDir, undefined), false);

  await clearStamp(envDir);
  assert.equal(await exists(join(envDir, STAMP_FILE)), false);
  assert.equal(await stampMatches(envDir, digest), false);

  await writeFile(join(envDir, STAMP_FILE), '{"requirementsSha256": "aaa'); // truncated write
  assert.equal(await stampMatches(envDir, digest), false, 'corrupt stamp is not trusted');
});

test('the lock pins jupyterlab, jupyter-server and ray, and every pin carries a sha256 hash', async () => {
  const text = await readFile(requirementsFile(repoRoot), 'utf8');
  const pins = parseLockedPackages(text);
  assert.equal(pins.get('jupyterlab'), JUPYTERLAB_VERSION);
  assert.equal(pins.get('ray'), RAY_VERSION);
  assert.match(pins.get('jupyter-server') ?? '', /^2\.\d+\.\d+$/);
  assert.ok(pins.size > 50, `expected the full transitive closure, got ${pins.size} pins`);

  // Each `name==version \` block is followed by at least one --hash line.
  const blocks = text.split(/\n(?=[A-Za-z0-9])/).filter((b) => /^[A-Za-z0-9][A-Za-z0-9._-]*==/.test(b));
  assert.equal(blocks.length, pins.size);
  for (const block of blocks) {
    assert.match(block, /--hash=sha256:[0-9a-f]{64}/, `no hash for ${block.split(' ')[0]}`);
  }
  // Nothing unpinned or loose.
  assert.doesNotMatch(text, /^[A-Za-z0-9][^\n#]*(>=|<=|~=|!=|>|<)/m);

  // requirements.in's top-level pins agree with the lock.
  const top = parseLockedPackages(await readFile(join(repoRoot, 'python', 'requirements.in'), 'utf8'));
  assert.deepEqual([...top.keys()].sort(), ['jupyter-server', 'jupyterlab', 'ray']);
  for (const [name, version] of top) assert.equal(pins.get(name), version, name);
});

test('parseLockedPackages / normalizeName handle extras, case and separators', () => {
  const pins = parseLockedPackages('# c\nFoo_Bar==1.0 \\\n    --hash=sha256:00\njsonschema[format-nongpl]==4.1.0 \\\n  # via x\n');
  assert.deepEqual([...pins], [
    ['foo-bar', '1.0'],
    ['jsonschema', '4.1.0'],
  ]);
  assert.equal(normalizeName('Jupyter.Server_Terminals'), 'jupyter-server-terminals');
});

test('isMissingVenvSupport recognises Debian without python3-venv', () => {
  const debian =
    'The virtual environment was not created successfully because ensurepip is not\n' +
    'available.  On Debian/Ubuntu systems, you need to install the python3-venv\n' +
    'package using the following command.\n\n    apt install python3.11-venv\n';
  assert.equal(isMissingVenvSupport(debian), true);
  assert.equal(isMissingVenvSupport('/usr/bin/python3: No module named venv'), true);
  assert.equal(isMissingVenvSupport('Error: [Errno 13] Permission denied'), false);
});

test('ensurePythonEnv: matching stamp skips all work', async () => {
  const root = await tempRoot();
  const envDir = join(root, '.runtime/python');
  await fakeVenv(envDir);
  await writeStamp(envDir, { digest: await requirementsDigest(requirementsFile(root)), pythonVersion: FAKE_VERSION });

  const lines = [];
  const t0 = Date.now();
  const result = await ensurePythonEnv({ root, log: (l) => lines.push(l) });
  assert.deepEqual(result, { python: join(envDir, 'bin', 'python'), bin: join(envDir, 'bin') });
  assert.ok(Date.now() - t0 < 2000, 'warm call is fast');
  const log = await calls(envDir);
  assert.ok(log.every((c) => c.startsWith('python -c')), `only the interpreter probe ran: ${log}`);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /up to date/);
});

test('ensurePythonEnv: changed requirements reinstall, prune unlocked packages, re-stamp', async () => {
  const root = await tempRoot();
  const envDir = join(root, '.runtime/python');
  await fakeVenv(envDir, {
    installed: [
      { name: 'jupyterlab', version: JUPYTERLAB_VERSION },
      { name: 'pip', version: '24.0' },
      { name: 'Left_Over', version: '1.0' },
    ],
  });
  await writeStamp(envDir, { digest: await requirementsDigest(requirementsFile(root)), pythonVersion: FAKE_VERSION });
  await appendFile(requirementsFile(root), '# bumped\n');
  const digest = await requirementsDigest(requirementsFile(root));
  await rm(join(envDir, 'package.json'));

  const lines = [];
  await ensurePythonEnv({ root, log: (l) => lines.push(l) });

  const log = await calls(envDir);
  const install = log.find((c) => c.startsWith('python -m pip install'));
  assert.ok(install, `pip install ran: ${log.join(' | ')}`);
  for (const flag of ['--require-hashes', '--no-deps', '--disable-pip-version-check', `-r ${requirementsFile(root)}`]) {
    assert.ok(install.includes(flag), `${flag} in: ${install}`);
  }
  assert.ok(!install.includes('--no-index'), 'online without SLUICE_WHEELHOUSE');
  assert.ok(log.includes('python -m pip uninstall -y --disable-pip-version-check left-over'), log.join(' | '));
  assert.ok(log.includes('jupyter-lab --version'));
  assert.ok(log.includes('ray --version'));
  assert.equal(await stampMatches(envDir, digest, FAKE_VERSION), true, 'stamp rewritten for the new lock');
  assert.ok(lines.some((l) => /done in/.test(l)));
  // Node must treat the .js files Python packages ship in the venv as CommonJS.
  assert.equal(JSON.parse(await readFile(join(envDir, 'package.json'), 'utf8')).type, 'commonjs');

  // And now it is warm again.
  await rm(join(envDir, 'calls.log'));
  await ensurePythonEnv({ root, log: quiet });
  assert.ok((await calls(envDir)).every((c) => c.startsWith('python -c')));
});

test('ensurePythonEnv: a failed install leaves no stamp, so the next call retries', async () => {
  const root = await tempRoot();
  const envDir = join(root, '.runtime/python');
  await fakeVenv(envDir, { pipExit: 3 });
  await writeStamp(envDir, { digest: 'stale'.padEnd(64, '0'), pythonVersion: FAKE_VERSION });

  await assert.rejects(ensurePythonEnv({ root, log: quiet }), /pip install failed \(exit 3\)[\s\S]*fake pip failure/);
  assert.equal(await readStamp(envDir), null, 'no stamp after an interrupted install');
  assert.equal(await exists(`${envDir}.lock`), false, 'lock released');

  await writeFile(join(envDir, 'pip-exit'), '0\n');
  await ensurePythonEnv({ root, log: quiet });
  assert.equal(await stampMatches(envDir, await requirementsDigest(requirementsFile(root))), true);
});

test('ensurePythonEnv: wrong jupyter-lab version throws and does not stamp', async () => {
  const root = await tempRoot();
  const envDir = join(root, '.runtime/python');
  await fakeVenv(envDir, { labVersion: '4.0.0' });
  await assert.rejects(ensurePythonEnv({ root, log: quiet }), /printed "4\.0\.0", expected 4\.6\.6/);
  assert.equal(await readStamp(envDir), null);
});

test('ensurePythonEnv: wrong ray version throws and does not stamp', async () => {
  const root = await tempRoot();
  const envDir = join(root, '.runtime/python');
  await fakeVenv(envDir, { rayVersion: '2.9.0' });
  await assert.rejects(ensurePythonEnv({ root, log: quiet }), /ray --version printed "ray, version 2\.9\.0", expected "ray, version 2\.60\.0"/);
  assert.equal(await readStamp(envDir), null);
});

test('ensurePythonEnv: SLUICE_WHEELHOUSE installs offline, and must be a directory', async (t) => {
  const saved = process.env.SLUICE_WHEELHOUSE;
  t.after(() => {
    if (saved === undefined) delete process.env.SLUICE_WHEELHOUSE;
    else process.env.SLUICE_WHEELHOUSE = saved;
  });
  const root = await tempRoot();
  const envDir = join(root, '.runtime/python');
  await fakeVenv(envDir);

  process.env.SLUICE_WHEELHOUSE = join(root, 'no-such-dir');
  await assert.rejects(ensurePythonEnv({ root, log: quiet }), /SLUICE_WHEELHOUSE=.*is not a directory/);

  const wheelhouse = join(root, 'wheelhouse');
  await mkdir(wheelhouse);
  process.env.SLUICE_WHEELHOUSE = wheelhouse;
  await ensurePythonEnv({ root, log: quiet });
  const install = (await calls(envDir)).find((c) => c.startsWith('python -m pip install'));
  assert.ok(install.endsWith(`--no-index --find-links ${wheelhouse}`), install);
});
