import { QosCreateInput, QosUpdateInput, type QosView } from '@sluice/contracts';
import type { Db } from '@sluice/db';
import type { AuthUser } from '../auth/sessions';
import { AppError, notFound, parseInput } from '../errors';
import { requireAdmin, type ServiceContext, settingsChanged, UNFINISHED_STATES } from './context';

/** Quality-of-service classes (like `sacctmgr show qos`). Everyone may list them (the submit form does); admins change them. */

/** Submit falls back to these (job-policy.ts), so they must stay. */
const DEFAULT_QOS = ['batch', 'interactive'];

type QosRow = NonNullable<Awaited<ReturnType<Db['qos']['findUnique']>>>;

export const toQosView = (q: QosRow): QosView => ({
  name: q.name,
  priority: q.priority,
  preemptible: q.preemptible,
  canPreempt: q.canPreempt.split(',').map((s) => s.trim()).filter((s) => s !== ''),
  maxWallMinutes: q.maxWallMinutes,
  maxGpusPerUser: q.maxGpusPerUser,
  maxGpusPerAccount: q.maxGpusPerAccount,
  cpusPerGpu: q.cpusPerGpu,
  memoryMiBPerGpu: q.memoryMiBPerGpu,
  idleTimeoutMinutes: q.idleTimeoutMinutes,
  maxLifetimeMinutes: q.maxLifetimeMinutes,
  description: q.description,
});

export async function listQos(ctx: ServiceContext): Promise<QosView[]> {
  return (await ctx.db.qos.findMany({ orderBy: [{ priority: 'desc' }, { name: 'asc' }] })).map(toQosView);
}

/** Every QOS named in canPreempt must exist (or be the one being created). */
async function checkCanPreempt(db: Db, self: string, names: string[] | undefined): Promise<void> {
  if (!names) return;
  const known = new Set((await db.qos.findMany({ select: { name: true } })).map((q) => q.name));
  known.add(self);
  const missing = names.filter((n) => !known.has(n));
  if (missing.length > 0) throw new AppError('BAD_REQUEST', `canPreempt: no QOS named ${missing.join(', ')}`);
}

export async function createQos(ctx: ServiceContext, caller: AuthUser, raw: unknown): Promise<QosView> {
  requireAdmin(caller, 'manage QOS classes');
  const input = parseInput(QosCreateInput, raw);
  if (await ctx.db.qos.findUnique({ where: { name: input.name } })) throw new AppError('CONFLICT', `name: QOS ${input.name} already exists`);
  await checkCanPreempt(ctx.db, input.name, input.canPreempt);
  const row = await ctx.db.qos.create({ data: { ...input, canPreempt: input.canPreempt.join(',') } });
  settingsChanged(ctx);
  return toQosView(row);
}

export async function updateQos(ctx: ServiceContext, caller: AuthUser, name: string, raw: unknown): Promise<QosView> {
  requireAdmin(caller, 'manage QOS classes');
  const input = parseInput(QosUpdateInput, raw);
  if (!(await ctx.db.qos.findUnique({ where: { name } }))) throw notFound(`QOS ${name}`);
  await checkCanPreempt(ctx.db, name, input.canPreempt);
  const { canPreempt, ...rest } = input;
  const row = await ctx.db.qos.update({ where: { name }, data: { ...rest, ...(canPreempt ? { canPreempt: canPreempt.join(',') } : {}) } });
  settingsChanged(ctx);
  return toQosView(row);
}

/** Refused while pending or running jobs use it: they would be left with a QOS that does not exist. */
export async function deleteQos(ctx: ServiceContext, caller: AuthUser, name: string): Promise<{ deleted: string }> {
  requireAdmin(caller, 'manage QOS classes');
  if (!(await ctx.db.qos.findUnique({ where: { name } }))) throw notFound(`QOS ${name}`);
  if (DEFAULT_QOS.includes(name)) throw new AppError('CONFLICT', `QOS ${name} is the default for ${name === 'batch' ? 'jobs' : 'sessions'} that name none; it cannot be deleted`);
  const active = await ctx.db.job.count({ where: { qos: name, state: { in: UNFINISHED_STATES } } });
  if (active > 0) throw new AppError('CONFLICT', `QOS ${name} is used by ${active} pending or running job(s); wait for them or cancel them first`);
  await ctx.db.qos.delete({ where: { name } });
  settingsChanged(ctx);
  return { deleted: name };
}
