import { createHash, randomBytes } from 'node:crypto';
import { NodeName } from '@sluice/contracts';
import type { Db } from '@sluice/db';

/**
 * Joining a node: an admin issues a single-use, expiring join token in the portal; the new
 * node's agent exchanges it once (POST /join) for a credential of its own, keeps that on its
 * disk, and authenticates every connection with it. Only hashes are stored.
 */
export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

export class JoinRefused extends Error {}

/** Consumes a join token and returns the node's new credential. */
export async function exchangeJoinToken(db: Db, token: string, nodeName: string, now: Date): Promise<string> {
  if (!NodeName.safeParse(nodeName).success) throw new JoinRefused('invalid node name');
  const credential = `sluice-node-${randomBytes(24).toString('base64url')}`;
  await db.$transaction(async (tx) => {
    const row = await tx.joinToken.findUnique({ where: { tokenHash: sha256Hex(token) } });
    // One message for every way a token can be wrong, so tokens cannot be probed.
    if (!row || row.usedAt || row.expiresAt <= now || (row.nodeName !== null && row.nodeName !== nodeName))
      throw new JoinRefused('join token unknown, used, expired, or issued for another node name');
    const node = await tx.node.findUnique({ where: { name: nodeName }, select: { credentialHash: true } });
    if (node?.credentialHash && row.nodeName === null)
      throw new JoinRefused(`node ${nodeName} has already joined; an admin must issue a token for that name to rejoin it`);
    await tx.joinToken.update({ where: { tokenHash: row.tokenHash }, data: { usedAt: now, usedBy: nodeName } });
    const credentialHash = sha256Hex(credential);
    await tx.node.upsert({ where: { name: nodeName }, create: { name: nodeName, credentialHash }, update: { credentialHash } });
  });
  return credential;
}

/** True when the credential is the one issued to this node. */
export async function nodeCredentialValid(db: Db, nodeName: string, credential: string): Promise<boolean> {
  if (!NodeName.safeParse(nodeName).success || !credential.startsWith('sluice-node-')) return false;
  const node = await db.node.findUnique({ where: { name: nodeName }, select: { credentialHash: true } });
  return node?.credentialHash != null && node.credentialHash === sha256Hex(credential);
}
