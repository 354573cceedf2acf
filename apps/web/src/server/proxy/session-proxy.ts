import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Db } from '@sluice/db';
import httpProxy from 'http-proxy';
import type { Logger } from 'pino';
import { userFromRequest } from '../auth/request-user';
import { SESSION_COOKIE } from '../auth/sessions';

/** `/s/<id>/...` → the session id, or null for other paths. */
export function sessionIdFromPath(url: string | undefined): number | null {
  const m = /^\/s\/(\d{1,15})(?:\/|$|\?)/.exec(url ?? '');
  return m?.[1] ? Number(m[1]) : null;
}

/** The cookie header without the portal's own session cookie: the session server never sees it. */
export function stripPortalCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const kept = header
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith(`${SESSION_COOKIE}=`));
  return kept.length > 0 ? kept.join('; ') : undefined;
}

const ACTIVITY_WRITE_MS = 30_000;

export const isUserAction = (method: string | undefined): boolean => method !== undefined && !['GET', 'HEAD', 'OPTIONS'].includes(method);

interface Target {
  url: string;
  token: string;
  /** The server serves at its root (a Ray dashboard): the /s/<id> prefix is taken off on the way. */
  atRoot: boolean;
}

/** The request path as a server serving at its root sees it: `/s/42/api/jobs/?x` → `/api/jobs/?x`. */
export function pathAtRoot(url: string): string {
  const rest = url.replace(/^\/s\/\d{1,15}/, '');
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * Proxies HTTP and WebSockets under /s/<id>/ to the session's server, for its owner only:
 * the portal cookie or an API bearer token opens it, nothing else. The server's own token
 * is added here, so users never handle it: `token <t>` for Jupyter and the terminal server
 * (which serve under /s/<id>/), `Bearer <t>` for a Ray cluster's dashboard and Jobs API (Ray's
 * token authentication), which serves at its root and uses only relative links.
 */
export class SessionProxy {
  private readonly proxy = httpProxy.createProxyServer({ xfwd: true, ws: true });
  /** When each session's activity was last written, to write at most every ACTIVITY_WRITE_MS. */
  private readonly activityWritten = new Map<number, number>();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {
    this.proxy.on('error', (err, _req, res) => {
      this.log.warn({ err: err.message }, 'session proxy error');
      if (res && 'writeHead' in res && !res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('The session server is not answering.');
      } else if (res && 'destroy' in res) res.destroy();
    });
  }

  private async target(req: IncomingMessage, id: number): Promise<Target | { status: number; message: string }> {
    const user = await userFromRequest(this.db, req, new Date(), { allowCookie: true });
    if (!user) return { status: 401, message: 'Log in to the portal to open this session.' };
    const job = await this.db.job.findUnique({
      where: { id },
      select: { userId: true, kind: true, template: true, state: true, sessionHost: true, sessionPort: true, sessionToken: true },
    });
    if (job?.kind !== 'session' || job.userId !== user.id) return { status: 404, message: 'No such session.' };
    if (job.state !== 'RUNNING' || !job.sessionPort || !job.sessionHost || !job.sessionToken)
      return { status: 503, message: 'The session is not running (yet). Reload in a moment.' };
    const atRoot = job.template === 'ray';
    return { url: `http://${job.sessionHost.includes(':') ? `[${job.sessionHost}]` : job.sessionHost}:${job.sessionPort}`, token: job.sessionToken, atRoot };
  }

  private prepare(req: IncomingMessage, t: Target): void {
    req.headers.authorization = t.atRoot ? `Bearer ${t.token}` : `token ${t.token}`;
    if (t.atRoot) req.url = pathAtRoot(req.url ?? '/');
    const cookie = stripPortalCookie(req.headers.cookie);
    if (cookie) req.headers.cookie = cookie;
    else delete req.headers.cookie;
  }

  async web(req: IncomingMessage, res: ServerResponse, id: number): Promise<void> {
    const t = await this.target(req, id);
    if ('status' in t) {
      res.writeHead(t.status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(t.message);
      return;
    }
    this.prepare(req, t);
    if (isUserAction(req.method)) this.noteActivity(id);
    this.proxy.web(req, res, { target: t.url });
  }

  /**
   * Idle reclaim counts what a user does through the proxy. Only requests that change
   * something count (save, run, create): an open browser tab keeps polling with GETs.
   */
  private noteActivity(id: number): void {
    const now = Date.now();
    if (now - (this.activityWritten.get(id) ?? 0) < ACTIVITY_WRITE_MS) return;
    this.activityWritten.set(id, now);
    void this.db.job
      .updateMany({ where: { id, state: 'RUNNING', OR: [{ lastActivityAt: null }, { lastActivityAt: { lt: new Date(now) } }] }, data: { lastActivityAt: new Date(now), idleStopAt: null } })
      .catch((err: unknown) => this.log.warn({ err, id }, 'could not record session activity'));
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, id: number): Promise<void> {
    const t = await this.target(req, id);
    if ('status' in t) {
      socket.end(`HTTP/1.1 ${t.status} ${t.status === 401 ? 'Unauthorized' : 'Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    this.prepare(req, t);
    // The session server checks Origin against its own host; the portal already checked the user.
    req.headers.origin = t.url;
    this.proxy.ws(req, socket, head, { target: t.url });
  }
}
