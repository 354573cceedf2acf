import type { Db } from '@sluice/db';
import type { AuthUser } from '../auth/sessions';
import { AppError } from '../errors';

/** The account every user may charge (the scheduler creates it at first start). */
export const OPEN_ACCOUNT = 'default';

export interface SubmissionAsk {
  gpus: number;
  timeLimitMinutes: number;
  account?: string | undefined;
  qos?: string | undefined;
  gpuModel?: string | undefined;
  pool?: string | undefined;
  dependsOn?: string[] | undefined;
  cpus?: number | undefined;
  memoryMiB?: number | undefined;
  image?: string | undefined;
}

export interface ResolvedSubmission {
  account: string;
  qos: string;
  gpuModel: string | null;
  pool: string | null;
  dependsOn: string;
  cpus: number;
  memoryMiB: number;
  image: string | null;
}

/**
 * Checks a submission against accounts, QOS and the cluster, and fills in the defaults,
 * so a job that could never run is refused at once with the reason instead of waiting forever.
 */
export async function resolveSubmission(db: Db, caller: AuthUser, ask: SubmissionAsk, defaultQos: 'batch' | 'interactive'): Promise<ResolvedSubmission> {
  const account = await resolveAccount(db, caller, ask.account);
  const qosName = ask.qos ?? defaultQos;
  const qos = await db.qos.findUnique({ where: { name: qosName } });
  if (!qos) {
    const names = (await db.qos.findMany({ select: { name: true } })).map((q) => q.name);
    throw new AppError('BAD_REQUEST', `qos: no QOS named ${qosName} (there are: ${names.join(', ') || 'none'})`);
  }
  if (qos.maxWallMinutes !== null && ask.timeLimitMinutes > qos.maxWallMinutes)
    throw new AppError('BAD_REQUEST', `timeLimitMinutes: QOS ${qos.name} allows at most ${qos.maxWallMinutes} minutes`);
  const perJobCap = Math.min(qos.maxGpusPerUser ?? Number.POSITIVE_INFINITY, qos.maxGpusPerAccount ?? Number.POSITIVE_INFINITY);
  if (ask.gpus > perJobCap) throw new AppError('BAD_REQUEST', `gpus: QOS ${qos.name} allows at most ${perJobCap} GPUs at a time`);
  if (ask.gpuModel !== undefined) {
    const models = [...new Set((await db.gpu.findMany({ where: { present: true }, select: { model: true } })).map((g) => g.model))];
    if (models.length > 0 && !models.includes(ask.gpuModel)) throw new AppError('BAD_REQUEST', `gpuModel: no GPU of model ${ask.gpuModel} (the cluster has: ${models.join(', ')})`);
  }
  if (ask.pool !== undefined) {
    const pools = [...new Set((await db.node.findMany({ select: { pool: true } })).map((n) => n.pool))];
    if (pools.length > 0 && !pools.includes(ask.pool)) throw new AppError('BAD_REQUEST', `pool: no pool named ${ask.pool} (there are: ${pools.join(', ')})`);
  }
  if (ask.image !== undefined) {
    const [nodes, withRuntime] = await Promise.all([db.node.count(), db.node.count({ where: { containerRuntime: { not: null } } })]);
    if (nodes > 0 && withRuntime === 0) throw new AppError('BAD_REQUEST', 'image: no node of the cluster can run containers (none has podman installed); an admin can install it');
  }
  for (const dep of ask.dependsOn ?? []) {
    const job = await db.job.findUnique({ where: { id: Number(dep) }, select: { userId: true } });
    if (!job || (caller.role !== 'admin' && job.userId !== caller.id)) throw new AppError('BAD_REQUEST', `dependsOn: job ${dep} not found`);
  }
  const units = Math.max(1, ask.gpus);
  return {
    account,
    qos: qos.name,
    gpuModel: ask.gpuModel ?? null,
    pool: ask.pool ?? null,
    dependsOn: [...new Set(ask.dependsOn ?? [])].join(','),
    cpus: ask.cpus ?? qos.cpusPerGpu * units,
    memoryMiB: ask.memoryMiB ?? qos.memoryMiBPerGpu * units,
    image: ask.image ?? null,
  };
}

/** The account asked for, or the user's default: their chosen one, else their first membership, else `default`. */
async function resolveAccount(db: Db, caller: AuthUser, asked: string | undefined): Promise<string> {
  const user = await db.user.findUniqueOrThrow({ where: { id: caller.id }, select: { defaultAccount: true, memberships: { select: { accountName: true }, orderBy: { accountName: 'asc' } } } });
  const memberOf = user.memberships.map((m) => m.accountName);
  const name = asked ?? user.defaultAccount ?? memberOf[0] ?? OPEN_ACCOUNT;
  if (!(await db.account.findUnique({ where: { name }, select: { name: true } }))) throw new AppError('BAD_REQUEST', `account: no account named ${name}`);
  if (name !== OPEN_ACCOUNT && caller.role !== 'admin' && !memberOf.includes(name))
    throw new AppError('FORBIDDEN', `account: you are not a member of ${name} (your accounts: ${[...memberOf, OPEN_ACCOUNT].join(', ')}); an admin can add you`);
  return name;
}
