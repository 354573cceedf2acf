import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JUPYTERLAB_MAIN } from '../src/jupyter';

const run = promisify(execFile);
const pythonEnv = path.resolve(import.meta.dirname, '../../../.runtime/python');

/** Real JupyterLab, with a `node` first on PATH that only notes that it was run. */
describe('JUPYTERLAB_MAIN (the session server entry point)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const nodeRan = () => readFile(path.join(dir, 'node-ran'), 'utf8').then(
    () => true,
    () => false,
  );

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sluice-jupyter-main-'));
    await writeFile(path.join(dir, 'node'), `#!/bin/sh\ntouch '${dir}/node-ran'\necho '{}'\n`);
    await chmod(path.join(dir, 'node'), 0o755);
    env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, JUPYTER_CONFIG_DIR: path.join(dir, 'cfg'), JUPYTER_DATA_DIR: path.join(dir, 'data') };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is JupyterLab, without the iri parsers and without asking Node for a yarn registry', async () => {
    const { stdout, stderr } = await run(path.join(pythonEnv, 'bin', 'python'), ['-X', 'importtime', '-c', JUPYTERLAB_MAIN, '--version'], { env });
    expect(stdout.trim()).toMatch(/^4\.\d+\.\d+$/);
    expect(stderr).toMatch(/\| +jsonschema\._format$/m);
    expect(stderr).not.toMatch(/rfc3987_syntax\.syntax_helpers/);
    expect(await nodeRan()).toBe(false);
  });

  it('(control) plain jupyter-lab does both', async () => {
    const { stderr } = await run(path.join(pythonEnv, 'bin', 'python'), ['-X', 'importtime', path.join(pythonEnv, 'bin', 'jupyter-lab'), '--version'], { env });
    expect(stderr).toMatch(/rfc3987_syntax\.syntax_helpers/);
    expect(await nodeRan()).toBe(true);
  });
});
