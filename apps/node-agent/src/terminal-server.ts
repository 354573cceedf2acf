/**
 * The terminal session's server: one login shell in a pseudo-terminal, shared by every browser
 * tab that opens the session, reachable only with the session's token.
 *
 *   portal proxy ──ws <baseUrl>ws (Authorization: token …)──▶ this server ──pty──▶ login shell
 *   input {"type":"input","data"} / resize {"type":"resize","cols","rows"} ──▶   ◀── output (text frames)
 *   node agent's ActivityMonitor ──GET <baseUrl>api/status──▶ { last_activity } (updated on input)
 *
 * When the shell exits, the server closes every socket and exits with the shell's exit code, so
 * the session ends. SIGTERM (the session is stopped) hangs up the shell first.
 * Configuration comes from the environment (see `terminal.ts`); the token is never passed on.
 */
import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { userInfo } from 'node:os';
import type { Duplex } from 'node:stream';
import { type IPty, spawn } from 'node-pty';
import { type WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';

/** What a new tab is shown first: the latest output, so a reload does not start from a blank screen. */
const SCROLLBACK_CHARS = 64 * 1024;

const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input'), data: z.string().max(1 << 20) }),
  z.object({ type: z.literal('resize'), cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) }),
]);
type TerminalClientMessage = z.infer<typeof ClientMessage>;

const Config = z.object({
  SLUICE_TERMINAL_TOKEN: z.string().min(16),
  SLUICE_TERMINAL_HOST: z.string().min(1),
  SLUICE_TERMINAL_PORT: z.coerce.number().int().min(1).max(65535),
  SLUICE_TERMINAL_BASE_URL: z.string().startsWith('/').endsWith('/'),
});

/** The account's login shell from the password database, else $SHELL, else bash, else sh. */
function loginShell(): string {
  let shell: string | null = null;
  try {
    shell = userInfo().shell;
  } catch {
    // no password entry for this uid
  }
  return [shell, process.env.SHELL, '/bin/bash'].find((s): s is string => !!s && existsSync(s) && !s.endsWith('/nologin') && !s.endsWith('/false')) ?? '/bin/sh';
}

/** 401 without a token, 403 with a wrong one, null when it matches. */
function authFailure(req: IncomingMessage, token: string): 401 | 403 | null {
  const m = /^token\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return 401;
  const given = Buffer.from(m[1]);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want) ? null : 403;
}

function main(): void {
  const parsed = Config.safeParse(process.env);
  if (!parsed.success) {
    console.error(`terminal server: bad configuration: ${z.prettifyError(parsed.error)}`);
    process.exit(2);
  }
  const cfg = parsed.data;
  const { SLUICE_TERMINAL_TOKEN: token, SLUICE_TERMINAL_BASE_URL: base } = cfg;
  const shellEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLUICE_TERMINAL_'))) as Record<string, string>;
  const shell: IPty = spawn(loginShell(), ['-l'], {
    name: 'xterm-256color',
    cols: 80,
    rows: 24,
    cwd: process.env.HOME ?? process.cwd(),
    env: { ...shellEnv, TERM: 'xterm-256color', COLORTERM: 'truecolor' },
  });
  const started = new Date().toISOString();
  let lastActivity = started;
  let scrollback = '';
  const sockets = new Set<WebSocket>();

  shell.onData((data) => {
    scrollback = (scrollback + data).slice(-SCROLLBACK_CHARS);
    for (const ws of sockets) ws.send(data);
  });
  shell.onExit(({ exitCode, signal }) => {
    for (const ws of sockets) ws.close(1000, `shell exited (${exitCode})`);
    console.log(`shell exited with code ${exitCode}${signal ? `, signal ${signal}` : ''}`);
    // The process ends once the close frames are out; the timer only guards against a stuck peer.
    process.exitCode = exitCode;
    server.close();
    setTimeout(() => process.exit(exitCode), 2000).unref();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 << 20 });
  wss.on('connection', (ws) => {
    sockets.add(ws);
    if (scrollback) ws.send(scrollback);
    ws.on('message', (raw, isBinary) => {
      let msg: TerminalClientMessage;
      try {
        msg = ClientMessage.parse(JSON.parse(isBinary ? Buffer.from(raw as Buffer).toString('utf8') : String(raw)));
      } catch {
        ws.close(1003, 'expected {"type":"input"|"resize",...}');
        return;
      }
      if (msg.type === 'input') {
        lastActivity = new Date().toISOString();
        shell.write(msg.data);
      } else shell.resize(msg.cols, msg.rows);
    });
    ws.on('close', () => sockets.delete(ws));
  });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://terminal');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const denied = authFailure(req, token);
    if (denied) return reply(denied, { message: 'this session needs its token' });
    if (req.method !== 'GET') return reply(405, { message: 'method not allowed' });
    // Jupyter's status API, so the agent's idle tracking reads both kinds of session alike.
    if (url.pathname === `${base}api/status`) return reply(200, { started, last_activity: lastActivity, connections: sockets.size });
    if (url.pathname === `${base}api/kernels`) return reply(200, []);
    reply(404, { message: 'not found: open the terminal from the portal' });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://terminal').pathname;
    const denied = path === `${base}ws` ? authFailure(req, token) : 404;
    if (denied) {
      socket.end(`HTTP/1.1 ${denied} ${denied === 401 ? 'Unauthorized' : denied === 403 ? 'Forbidden' : 'Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const hangUp = () => {
    shell.kill('SIGHUP');
    setTimeout(() => process.exit(143), 3000).unref();
  };
  process.on('SIGTERM', hangUp);
  process.on('SIGINT', hangUp);
  process.on('SIGHUP', hangUp);

  server.listen(cfg.SLUICE_TERMINAL_PORT, cfg.SLUICE_TERMINAL_HOST, () => {
    const host = cfg.SLUICE_TERMINAL_HOST.includes(':') ? `[${cfg.SLUICE_TERMINAL_HOST}]` : cfg.SLUICE_TERMINAL_HOST;
    console.log(`Sluice terminal listening on http://${host}:${cfg.SLUICE_TERMINAL_PORT}${base}`);
  });
}

main();
