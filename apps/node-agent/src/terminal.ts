import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SessionSpec } from '@sluice/contracts';
import { freePort, type SessionLaunch } from './jupyter';

const serverScript = fileURLToPath(new URL('./terminal-server.ts', import.meta.url));
/** The TypeScript loader the daemons themselves run under, by absolute path (the workload's cwd is its work dir). */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * The terminal session template: `terminal-server.ts` on the agent's own Node runtime, on a free
 * port under the portal's base URL. Like Jupyter's, the token goes through the environment, never
 * argv; "ready" is the line the server prints once it listens.
 */
export async function terminalLaunch(opts: { session: SessionSpec; host: string }): Promise<SessionLaunch> {
  const port = await freePort(opts.host);
  return {
    file: process.execPath,
    args: ['--import', tsxLoader, serverScript],
    env: {
      SLUICE_TERMINAL_TOKEN: opts.session.token,
      SLUICE_TERMINAL_HOST: opts.host,
      SLUICE_TERMINAL_PORT: String(port),
      SLUICE_TERMINAL_BASE_URL: opts.session.baseUrl,
    },
    port,
    isReadyLine: (line) => line.includes(`:${port}${opts.session.baseUrl}`),
  };
}
