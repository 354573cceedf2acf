import { createServer } from 'node:http';
import path from 'node:path';
import { openDb } from '@sluice/db';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import next from 'next';
import { pino } from 'pino';
import { appRouter } from './src/server/api/root';
import { createTrpcContext } from './src/server/api/trpc';
import { loadConfig } from './src/server/config';
import { SessionProxy, sessionIdFromPath } from './src/server/proxy/session-proxy';
import { restHandler } from './src/server/rest/handler';
import { routes } from './src/server/rest/routes';
import { schedulerClient } from './src/server/scheduler-client';
import { createServiceContext } from './src/server/services/context';

/**
 * The portal's HTTP server: REST v1 and health, the UI's tRPC API, the session proxy
 * under /s/<id>/, and the Next.js pages for everything else.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: config.logLevel, base: { app: 'web' } });
  const db = await openDb(config.databaseUrl);
  const ctx = createServiceContext({ db, scheduler: schedulerClient(config.schedulerUrl, config.internalSecret), dataDir: config.dataDir, now: () => new Date() });
  const rest = restHandler(ctx, routes, log);
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/api/trpc/',
    createContext: ({ req, res }) => createTrpcContext({ ...ctx, secureCookies: config.secureCookies }, req, res),
    onError: ({ error, path: p }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') log.error({ err: error, path: p }, 'tRPC error');
    },
  });
  const proxy = new SessionProxy(db, log);
  const app = next({ dev: config.dev, dir: import.meta.dirname, hostname: config.host, port: config.port });
  await app.prepare();
  const pages = app.getRequestHandler();
  const upgradePages = app.getUpgradeHandler();

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const sessionId = sessionIdFromPath(url);
    const handled = (async () => {
      if (sessionId !== null) return proxy.web(req, res, sessionId);
      if (url.startsWith('/api/trpc/')) return trpc(req, res);
      if (url.startsWith('/api/') && (await rest(req, res))) return;
      return pages(req, res);
    })();
    handled.catch((err: unknown) => {
      log.error({ err, url }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end('internal error');
    });
  });
  server.on('upgrade', (req, socket, head) => {
    const sessionId = sessionIdFromPath(req.url);
    const work = sessionId !== null ? proxy.upgrade(req, socket, head, sessionId) : upgradePages(req, socket, head);
    Promise.resolve(work).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  log.info({ url: `http://${config.host}:${config.port}/`, dir: path.relative(process.cwd(), import.meta.dirname) }, 'portal listening');
  process.send?.({ type: 'ready', port: config.port });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'portal stopping');
    setTimeout(() => process.exit(0), 3000).unref();
    server.close();
    server.closeAllConnections();
    void db.$disconnect().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('disconnect', () => shutdown('parent gone'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
