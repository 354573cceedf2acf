import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { userFromRequest } from '../auth/request-user';
import { AppError, HTTP_STATUS } from '../errors';
import type { ServiceContext } from '../services/context';
import { hasBody, matchPath, type Route } from './route';

const MAX_BODY = 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new AppError('BAD_REQUEST', 'body: larger than 1 MiB');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'body: not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: { json?: unknown; text?: string }, headers: Record<string, string> = {}): void {
  if (body.text !== undefined) {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
    res.end(body.text);
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body.json ?? {}));
}

const sendError = (res: ServerResponse, e: AppError) =>
  send(res, HTTP_STATUS[e.code], { json: { error: { code: e.code, message: e.message } } }, e.code === 'UNAUTHORIZED' ? { 'www-authenticate': 'Bearer' } : {});

/** Serves REST v1 from the route table. Returns false when no route matches the path. */
export function restHandler(ctx: ServiceContext, routes: readonly Route[], log: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const candidates = routes.map((r) => ({ r, params: matchPath(r.path, url.pathname) })).filter((c) => c.params !== null);
    if (candidates.length === 0) return false;
    const hit = candidates.find((c) => c.r.method === req.method);
    try {
      if (!hit) {
        send(res, 405, { json: { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} not allowed here` } } }, { allow: candidates.map((c) => c.r.method).join(', ') });
        return true;
      }
      const user = hit.r.auth === 'bearer' ? await userFromRequest(ctx.db, req, ctx.now(), { allowCookie: false, cache: ctx.cache }) : null;
      if (hit.r.auth === 'bearer' && !user) throw new AppError('UNAUTHORIZED', 'missing or invalid bearer token');
      const body = hasBody(req.method) ? await readJson(req) : undefined;
      const result = await hit.r.handler({ ctx, user, params: hit.params ?? {}, query: url.searchParams, body, req });
      send(res, result.status ?? hit.r.status ?? 200, result, result.headers);
    } catch (err) {
      if (err instanceof AppError) sendError(res, err);
      else {
        log.error({ err, path: url.pathname }, 'REST handler failed');
        sendError(res, new AppError('INTERNAL', 'internal error'));
      }
    }
    return true;
  };
}
