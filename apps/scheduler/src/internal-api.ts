import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The scheduler's small HTTP API for the portal, on the same port as the agent gateway:
 *   GET  /internal/health   liveness
 *   POST /internal/poke     "state changed, run a cycle now" (needs the internal secret)
 */
export function internalHandler(opts: { secret: string; poke: () => void }) {
  const expected = Buffer.from(`Bearer ${opts.secret}`);
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.headers.upgrade) return;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/internal/health') reply(200, { status: 'ok' });
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
