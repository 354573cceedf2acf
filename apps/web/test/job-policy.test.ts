import { testDbForFile } from '@sluice/db/testing';
import { describe, expect, it } from 'vitest';
import type { AuthUser } from '../src/server/auth/sessions';
import { resolveSubmission } from '../src/server/services/job-policy';

const t = testDbForFile();

async function user(name: string, role: 'user' | 'admin' = 'user', accounts: string[] = []): Promise<AuthUser> {
  const u = await t.db.user.create({ data: { username: name, passwordHash: 'x', role } });
  for (const a of accounts) {
    await t.db.account.upsert({ where: { name: a }, create: { name: a }, update: {} });
    await t.db.accountMember.create({ data: { accountName: a, userId: u.id } });
  }
  return { id: u.id, username: u.username, role };
}

const ask = { gpus: 1, timeLimitMinutes: 60 };

describe('resolveSubmission', () => {
  it('charges the default account and the default QOS, with CPU and memory per GPU from the QOS', async () => {
    const u = await user('ann');
    expect(await resolveSubmission(t.db, u, { ...ask, gpus: 2 }, 'batch')).toEqual({
      account: 'default',
      qos: 'batch',
      gpuModel: null,
      pool: null,
      dependsOn: '',
      cpus: 16,
      memoryMiB: 131072,
      image: null,
    });
    expect((await resolveSubmission(t.db, u, { ...ask, cpus: 3, memoryMiB: 1000 }, 'interactive')).qos).toBe('interactive');
  });

  it('uses the first membership, or the chosen default account, when the job names none', async () => {
    const u = await user('ben', 'user', ['lab-b', 'lab-a']);
    expect((await resolveSubmission(t.db, u, ask, 'batch')).account).toBe('lab-a');
    await t.db.user.update({ where: { id: u.id }, data: { defaultAccount: 'lab-b' } });
    expect((await resolveSubmission(t.db, u, ask, 'batch')).account).toBe('lab-b');
  });

  it('refuses accounts the user is not a member of, and accounts that do not exist, naming them', async () => {
    await user('owner', 'user', ['lab-x']);
    const u = await user('cid', 'user', ['lab-a']);
    await expect(resolveSubmission(t.db, u, { ...ask, account: 'lab-x' }, 'batch')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('lab-a, default') });
    await expect(resolveSubmission(t.db, u, { ...ask, account: 'nope' }, 'batch')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'account: no account named nope' });
    const admin = await user('root-admin', 'admin');
    expect((await resolveSubmission(t.db, admin, { ...ask, account: 'lab-x' }, 'batch')).account).toBe('lab-x');
  });

  it('refuses what the QOS can never allow instead of letting it wait forever', async () => {
    const u = await user('dee');
    await expect(resolveSubmission(t.db, u, { ...ask, qos: 'gold' }, 'batch')).rejects.toMatchObject({ message: expect.stringMatching(/no QOS named gold \(there are: .*batch/) });
    await expect(resolveSubmission(t.db, u, { ...ask, timeLimitMinutes: 13 * 60 }, 'interactive')).rejects.toMatchObject({
      message: 'timeLimitMinutes: QOS interactive allows at most 720 minutes',
    });
    await expect(resolveSubmission(t.db, u, { ...ask, gpus: 5 }, 'interactive')).rejects.toMatchObject({ message: 'gpus: QOS interactive allows at most 4 GPUs at a time' });
  });

  it('checks GPU models, pools and dependencies against the cluster and what the user may see', async () => {
    const node = await t.db.node.create({ data: { name: 'n1', pool: 'a100' } });
    await t.db.gpu.create({ data: { uuid: 'GPU-1', nodeId: node.id, index: 0, model: 'NVIDIA A100', memoryMiB: 40960 } });
    const u = await user('eve');
    const other = await user('fay');
    const theirs = await t.db.job.create({ data: { userId: other.id, name: 'x', command: 'true', gpus: 0, timeLimitMinutes: 1 } });
    const mine = await t.db.job.create({ data: { userId: u.id, name: 'x', command: 'true', gpus: 0, timeLimitMinutes: 1 } });
    await expect(resolveSubmission(t.db, u, { ...ask, gpuModel: 'H100' }, 'batch')).rejects.toMatchObject({ message: 'gpuModel: no GPU of model H100 (the cluster has: NVIDIA A100)' });
    await expect(resolveSubmission(t.db, u, { ...ask, pool: 'big' }, 'batch')).rejects.toMatchObject({ message: 'pool: no pool named big (there are: a100)' });
    await expect(resolveSubmission(t.db, u, { ...ask, dependsOn: [String(theirs.id)] }, 'batch')).rejects.toMatchObject({ message: `dependsOn: job ${theirs.id} not found` });
    const ok = await resolveSubmission(t.db, u, { ...ask, gpuModel: 'NVIDIA A100', pool: 'a100', dependsOn: [String(mine.id), String(mine.id)] }, 'batch');
    expect(ok).toMatchObject({ gpuModel: 'NVIDIA A100', pool: 'a100', dependsOn: String(mine.id) });
  });
});
