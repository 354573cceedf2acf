import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '@sluice/db';
import { exchangeJoinToken, JoinRefused } from './join';

/**
 * The scheduler's small HTTP API, on the same port as the agent gateway:
 *   GET  /internal/health   liveness
 *   POST /internal/poke     "state changed, run a cycle now" (portal; needs the internal secret)
 *   POST /join              a new node's agent: {token, node} -> {credential} (join.ts)
 */
export function internalHandler(opts: { secret: string; poke: () => void; db: Db; now: () => Date }) {
  const expected = Buffer.from(`Bearer ${opts.secret}`);
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.headers.upgrade) return;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/join') void join(req, opts, reply);
    else if (req.method === 'GET' && req.url === '/internal/health') reply(200, { status: 'ok' });
    else if (req.method === 'POST' && req.url === '/internal/poke') {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) reply(401, { error: 'unauthorized' });
      else {
        opts.poke();
        reply(202, { status: 'poked' });
      }
    } else reply(404, { error: 'not found' });
  };
}

async function join(req: IncomingMessage, opts: { db: Db; now: () => Date }, reply: (status: number, body: unknown) => void): Promise<void> {
  try {
    let raw = '';
    for await (const chunk of req) {
      raw += String(chunk);
      if (raw.length > 4096) return reply(413, { error: 'request too large' });
    }
    const body = JSON.parse(raw) as { token?: unknown; node?: unknown };
    if (typeof body.token !== 'string' || typeof body.node !== 'string') return reply(400, { error: 'expected {"token": string, "node": string}' });
    reply(201, { credential: await exchangeJoinToken(opts.db, body.token, body.node, opts.now()) });
  } catch (err) {
    if (err instanceof JoinRefused) reply(403, { error: err.message });
    else if (err instanceof SyntaxError) reply(400, { error: 'body is not JSON' });
    else reply(500, { error: 'join failed' });
  }
}
