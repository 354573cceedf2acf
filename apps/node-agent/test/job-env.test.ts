import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExecutor } from './executor-harness';
import { jobAccount, TestUsers } from './unix-users';

describe('every job learns the nodes of its allocation and its rank (like SLURM_JOB_NODELIST)', () => {
  const users = new TestUsers();
  let h: Awaited<ReturnType<typeof startExecutor>>;
  let user: string;

  beforeAll(async () => {
    user = jobAccount(users, 'nodes').name;
    h = await startExecutor();
  });
  afterAll(async () => {
    await h?.cleanup();
    users.cleanup();
  });

  const show = 'echo "list=$SLUICE_JOB_NODELIST num=$SLUICE_JOB_NUM_NODES rank=$SLUICE_NODE_RANK"';

  it('names every node in rank order, how many, and which one this is', async () => {
    const { exited, output } = await h.run({ user, command: show, nodes: ['gpu-a', 'gpu-b', 'gpu-c'], rank: 1 });
    expect(exited).toMatchObject({ cause: 'exit', exitCode: 0 });
    expect(output).toContain('list=gpu-a,gpu-b,gpu-c num=3 rank=1');
  });

  it('is this node alone when the scheduler sent no node list', async () => {
    const { output } = await h.run({ user, command: show });
    expect(output).toContain(`list=${h.nodeName} num=1 rank=0`);
  });
});
