import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import { setup } from './harness';

const t = testDbForFile();

const IMAGE = 'localhost/pytorch:24.01';

describe('container jobs go only to nodes with a container runtime', () => {
  it('places a job that names an image on the node with podman, where a job without one would not go', async () => {
    const { daemon, sender, submit } = await setup(t.db, { a: 4, b: 2 });
    await t.db.node.update({ where: { name: 'a' }, data: { containerRuntime: 'podman 4.3.1' } });
    const plain = await submit(1);
    await daemon.runOnce();
    expect(sender.take().map((m) => m.node)).toEqual(['b']);
    const boxed = await submit(1, { image: IMAGE });
    await daemon.runOnce();
    const [launch, ...more] = sender.take();
    expect(more).toEqual([]);
    expect(launch).toMatchObject({ node: 'a', body: { type: 'launch', spec: { jobId: String(boxed.id), image: IMAGE } } });
    expect((await t.db.job.findUniqueOrThrow({ where: { id: plain.id } })).nodeName).toBe('b');
  });

  it('waits as Unplaceable while no node can run containers, and starts once one reports podman', async () => {
    const { daemon, sender, submit } = await setup(t.db, { a: 2 });
    const boxed = await submit(1, { image: IMAGE });
    await daemon.runOnce();
    expect(sender.take()).toEqual([]);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: boxed.id } })).toMatchObject({ state: 'PENDING', reason: 'Unplaceable' });
    await t.db.node.update({ where: { name: 'a' }, data: { containerRuntime: 'podman 4.3.1' } });
    await daemon.runOnce();
    expect(sender.take().map((m) => m.node)).toEqual(['a']);
    expect((await t.db.job.findUniqueOrThrow({ where: { id: boxed.id } })).state).toBe('STARTING');
  });
});
