import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSetpriv } from '../src/launch-command';
import { isRoot, SKIP_NOT_ROOT, TestUsers } from './unix-users';

if (!isRoot) console.warn(`non-root-agent: ${SKIP_NOT_ROOT}`);

describe.skipIf(!isRoot)('a node agent that is not root', () => {
  const users = new TestUsers();
  afterAll(() => users.cleanup());

  it("runs its own user's jobs, and refuses other users' jobs saying why", () => {
    const agentUser = users.user('agent');
    const other = users.user('other');
    const r = spawnSync(
      findSetpriv() ?? 'setpriv',
      ['--reuid', String(agentUser.uid), '--regid', String(agentUser.gid), '--init-groups', '--', process.execPath, '--import', 'tsx', path.join(import.meta.dirname, 'fixtures/non-root-agent.ts'), other.name],
      { cwd: path.resolve(import.meta.dirname, '../../..'), encoding: 'utf8', env: { ...process.env, HOME: agentUser.home, USER: agentUser.name }, timeout: 60_000 },
    );
    if (r.status !== 0) throw new Error(`the agent process failed: ${r.stderr}`);
    const { own, foreign } = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(own.exited, own.output).toMatchObject({ cause: 'exit', exitCode: 0 });
    expect(own.output).toContain(`${agentUser.uid}\n`);
    expect(foreign.exited).toMatchObject({ cause: 'launch-failed', reason: 'NoUnixAccount' });
    expect(foreign.exited.message).toContain(`the node agent is not root (it runs as ${agentUser.name}), so it can only run workloads as ${agentUser.name}, not as ${other.name}`);
  });
});
