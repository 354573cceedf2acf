import { NodeName } from '@sluice/contracts';
import { z } from 'zod';
import type { AuthUser } from '../auth/sessions';
import { generateToken, hashToken } from '../auth/tokens';
import { AppError, parseInput } from '../errors';
import type { ServiceContext } from './context';

export const JoinTokenInput = z.strictObject({
  /** The name the node must join as; absent = any name no other joined node has. */
  node: NodeName.optional(),
  expiresInMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
});

export const JoinTokenCreated = z.object({ token: z.string(), node: z.string().nullable(), expiresAt: z.iso.datetime() });
export type JoinTokenCreated = z.infer<typeof JoinTokenCreated>;

/**
 * Admins issue single-use, expiring join tokens; a new node's agent exchanges one at the
 * scheduler for its own credential (apps/scheduler/src/join.ts). Only the hash is stored.
 */
export async function createJoinToken(ctx: ServiceContext, caller: AuthUser, raw: unknown): Promise<JoinTokenCreated> {
  if (caller.role !== 'admin') throw new AppError('FORBIDDEN', 'only admins can add nodes');
  const input = parseInput(JoinTokenInput, raw ?? {});
  const token = generateToken('sluice-join-');
  const expiresAt = new Date(ctx.now().getTime() + input.expiresInMinutes * 60_000);
  await ctx.db.joinToken.create({ data: { tokenHash: hashToken(token), nodeName: input.node ?? null, createdBy: caller.username, expiresAt } });
  return { token, node: input.node ?? null, expiresAt: expiresAt.toISOString() };
}
