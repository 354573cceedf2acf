import type { Db } from '@sluice/db';
import type { AuthUser } from '../auth/sessions';
import { AppError } from '../errors';
import { NO_CACHE, type TtlCache } from '../ttl-cache';

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
 * With a cache, the facts checked are read at most once per TTL; a refusal is always checked
 * again against the database, so only what the cache lets through may rest on stale facts.
 */
export async function resolveSubmission(db: Db, caller: AuthUser, ask: SubmissionAsk, defaultQos: 'batch' | 'interactive', cache: TtlCache = NO_CACHE): Promise<ResolvedSubmission> {
  try {
    return await resolve(db, cache, caller, ask, defaultQos);
  } catch (err) {
    if (err instanceof AppError && cache !== NO_CACHE) return resolve(db, NO_CACHE, caller, ask, defaultQos);
    throw err;
  }
}

async function resolve(db: Db, cache: TtlCache, caller: AuthUser, ask: SubmissionAsk, defaultQos: 'batch' | 'interactive'): Promise<ResolvedSubmission> {
  const cluster = await cache.get('cluster', () => clusterFacts(db));
  // Before the first node joins, jobs may wait for it.
  if (cluster.nodes > 0 && ask.gpus > cluster.gpus)
    throw new AppError('BAD_REQUEST', `gpus: the cluster has ${cluster.gpus} GPUs in all; ${ask.gpus} can never be allocated`);
  const account = await resolveAccount(db, cache, caller, ask.account);
  const qosName = ask.qos ?? defaultQos;
  const classes = await cache.get('qos', () => db.qos.findMany());
  const qos = classes.find((q) => q.name === qosName);
  if (!qos) throw new AppError('BAD_REQUEST', `qos: no QOS named ${qosName} (there are: ${classes.map((q) => q.name).join(', ') || 'none'})`);
  if (qos.maxWallMinutes !== null && ask.timeLimitMinutes > qos.maxWallMinutes)
    throw new AppError('BAD_REQUEST', `timeLimitMinutes: QOS ${qos.name} allows at most ${qos.maxWallMinutes} minutes`);
  const perJobCap = Math.min(qos.maxGpusPerUser ?? Number.POSITIVE_INFINITY, qos.maxGpusPerAccount ?? Number.POSITIVE_INFINITY);
  if (ask.gpus > perJobCap) throw new AppError('BAD_REQUEST', `gpus: QOS ${qos.name} allows at most ${perJobCap} GPUs at a time`);
  if (ask.gpuModel !== undefined && cluster.models.length > 0 && !cluster.models.includes(ask.gpuModel))
    throw new AppError('BAD_REQUEST', `gpuModel: no GPU of model ${ask.gpuModel} (the cluster has: ${cluster.models.join(', ')})`);
  if (ask.pool !== undefined && cluster.pools.length > 0 && !cluster.pools.includes(ask.pool))
    throw new AppError('BAD_REQUEST', `pool: no pool named ${ask.pool} (there are: ${cluster.pools.join(', ')})`);
  if (ask.image !== undefined && cluster.nodes > 0 && cluster.containerNodes === 0)
    throw new AppError('BAD_REQUEST', 'image: no node of the cluster can run containers (none has podman installed); an admin can install it');
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

/** GPUs present, nodes (and how many can run containers), and the GPU models and pools there are. */
async function clusterFacts(db: Db): Promise<{ gpus: number; nodes: number; containerNodes: number; models: string[]; pools: string[] }> {
  const [gpus, nodes] = await Promise.all([db.gpu.findMany({ where: { present: true }, select: { model: true } }), db.node.findMany({ select: { pool: true, containerRuntime: true } })]);
  return {
    gpus: gpus.length,
    nodes: nodes.length,
    containerNodes: nodes.filter((n) => n.containerRuntime !== null).length,
    models: [...new Set(gpus.map((g) => g.model))],
    pools: [...new Set(nodes.map((n) => n.pool))],
  };
}

/** The account asked for, or the user's default: their chosen one, else their first membership, else `default`. */
async function resolveAccount(db: Db, cache: TtlCache, caller: AuthUser, asked: string | undefined): Promise<string> {
  const user = await cache.get(`member:${caller.id}`, () =>
    db.user.findUniqueOrThrow({ where: { id: caller.id }, select: { defaultAccount: true, memberships: { select: { accountName: true }, orderBy: { accountName: 'asc' } } } }),
  );
  const memberOf = user.memberships.map((m) => m.accountName);
  const name = asked ?? user.defaultAccount ?? memberOf[0] ?? OPEN_ACCOUNT;
  const accounts = await cache.get('accounts', async () => new Set((await db.account.findMany({ select: { name: true } })).map((a) => a.name)));
  if (!accounts.has(name)) throw new AppError('BAD_REQUEST', `account: no account named ${name}`);
  if (name !== OPEN_ACCOUNT && caller.role !== 'admin' && !memberOf.includes(name))
    throw new AppError('FORBIDDEN', `account: you are not a member of ${name} (your accounts: ${[...memberOf, OPEN_ACCOUNT].join(', ')}); an admin can add you`);
  return name;
}
