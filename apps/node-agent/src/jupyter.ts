import { createServer } from 'node:net';
import path from 'node:path';
import type { SessionSpec } from '@sluice/contracts';

/** A free TCP port on `host`, chosen by the kernel. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** How to start a session's server, and how to tell it is up. */
export interface SessionLaunch {
  file: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  /** True for the line the server prints once it listens: the readiness event. */
  isReadyLine(line: string): boolean;
}

/**
 * The JupyterLab server for a session, run as the session's user: listens on loopback (or the
 * configured session host) on a free port, under the portal's base URL, with its own token,
 * serving the user's home. The token goes through the environment, never argv, so other users
 * cannot read it from `ps`. Runtime files (connection files, the server's own state) go to the
 * per-job directory only the user can read; settings and workspaces stay in the home
 * directory (where there is none, they go to the per-job directory too).
 */
export async function jupyterLaunch(opts: {
  session: SessionSpec;
  pythonEnv: string;
  host: string;
  jobDir: string;
  rootDir: string;
  homeUsable: boolean;
  path: string;
}): Promise<SessionLaunch> {
  const port = await freePort(opts.host);
  const jupyterDir = path.join(opts.jobDir, 'jupyter');
  return {
    file: path.join(opts.pythonEnv, 'bin', 'jupyter-lab'),
    args: [
      '--no-browser',
      `--ServerApp.ip=${opts.host}`,
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.base_url=${opts.session.baseUrl}`,
      `--ServerApp.root_dir=${opts.rootDir}`,
      '--ServerApp.open_browser=False',
      '--LabApp.news_url=',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      '--ServerApp.disable_check_xsrf=False',
    ],
    env: {
      JUPYTER_TOKEN: opts.session.token,
      JUPYTER_RUNTIME_DIR: path.join(jupyterDir, 'runtime'),
      ...(opts.homeUsable
        ? {}
        : {
            JUPYTER_CONFIG_DIR: jupyterDir,
            JUPYTER_DATA_DIR: path.join(jupyterDir, 'data'),
            JUPYTERLAB_SETTINGS_DIR: path.join(jupyterDir, 'lab', 'user-settings'),
            JUPYTERLAB_WORKSPACES_DIR: path.join(jupyterDir, 'lab', 'workspaces'),
          }),
      PATH: `${path.join(opts.pythonEnv, 'bin')}:${opts.path}`,
    },
    port,
    isReadyLine: (line) => line.includes(`:${port}${opts.session.baseUrl}`),
  };
}
