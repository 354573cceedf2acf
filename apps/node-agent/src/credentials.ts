import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** How the agent proves who it is to the scheduler: headers for the WebSocket upgrade. */
export type AgentAuth = Record<string, string>;

const CREDENTIAL_FILE = 'node-credential';

/**
 * The node's credential: read from its state dir; else, with a join token, exchanged once at
 * the scheduler (POST /join) and saved there (mode 0600) so restarts need no token; else the
 * shared secret of an all-in-one appliance.
 */
export async function agentAuth(opts: { stateDir: string; nodeName: string; schedulerUrl: string; joinToken?: string | undefined; secret?: string | undefined }): Promise<AgentAuth> {
  const file = path.join(opts.stateDir, CREDENTIAL_FILE);
  const asNode = (credential: string) => ({ authorization: `Bearer ${credential}`, 'x-sluice-node': opts.nodeName });
  if (existsSync(file)) return asNode(readFileSync(file, 'utf8').trim());
  if (opts.joinToken) {
    const credential = await exchange(opts.schedulerUrl, opts.joinToken, opts.nodeName);
    writeFileSync(file, `${credential}\n`, { mode: 0o600 });
    return asNode(credential);
  }
  if (opts.secret) return { authorization: `Bearer ${opts.secret}` };
  throw new Error('no way to authenticate: set SLUICE_JOIN_TOKEN (from the portal: Nodes -> Add a node) or SLUICE_AGENT_SECRET');
}

async function exchange(schedulerUrl: string, token: string, node: string): Promise<string> {
  const url = new URL('/join', schedulerUrl.replace(/^ws/, 'http'));
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, node }) });
  const body = (await res.json().catch(() => ({}))) as { credential?: string; error?: string };
  if (!res.ok || !body.credential) throw new Error(`joining as ${node} failed: ${body.error ?? `HTTP ${res.status}`}`);
  return body.credential;
}
