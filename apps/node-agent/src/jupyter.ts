import { createServer } from 'node:net';
import path from 'node:path';
import type { SessionSpec } from '@sluice/contracts';

/** A free TCP port on `host`, chosen by the kernel. */
export async function freePort(host: string): Promise<number> {
  const [port] = await freePorts(host, 1);
  return port as number;
}

/** `n` distinct free TCP ports on `host`: all held open at once while chosen, so none repeats. */
export async function freePorts(host: string, n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (srv) =>
          new Promise<number>((resolve, reject) => {
            srv.once('error', reject);
            srv.listen(0, host, () => {
              const addr = srv.address();
              resolve(typeof addr === 'object' && addr ? addr.port : 0);
            });
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((srv) => new Promise<void>((resolve) => (srv.listening ? srv.close(() => resolve()) : resolve()))));
  }
}

/**
 * What `bin/jupyter-lab` runs, minus two start-up costs no session uses (together about two
 * thirds of the server's start-up CPU time; docs/benchmarks.md, "Session start latency"):
 * - jsonschema imports `rfc3987_syntax` when it is installed, which compiles ~35 Earley parsers
 *   (1-2 s) for the `iri` formats; no Jupyter schema uses them, so the server process does
 *   without (its kernels, separate processes, can still import it);
 * - JupyterLab runs `node yarn.js config` (0.3-0.8 s each time) whenever Node is on PATH, for a
 *   package registry that only building JupyterLab from source needs.
 */
export const JUPYTERLAB_MAIN = [
  'import sys',
  "sys.modules['rfc3987_syntax'] = None",
  'import jupyterlab.commands',
  "jupyterlab.commands._yarn_config = lambda logger: {'yarn config': {}, 'npm config': {}}",
  'from jupyterlab.labapp import main',
  'sys.exit(main())',
].join('\n');

/** How to start a session's server, and how to tell it is up. */
export interface SessionLaunch {
  file: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  /** True for the line the server prints once it listens: the readiness event. */
  isReadyLine(line: string): boolean;
  /** Where the other nodes of a multi-node session join this one (a Ray head's GCS, host:port). */
  joinAddress?: string;
  /**
   * Links the launch made outside the job's directory (a Ray node's short path to its files):
   * removed once the workload is gone, also by an agent started after this one.
   */
  links?: string[];
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
    file: path.join(opts.pythonEnv, 'bin', 'python'),
    args: [
      '-c',
      JUPYTERLAB_MAIN,
      '--no-browser',
      `--ServerApp.ip=${opts.host}`,
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.base_url=${opts.session.baseUrl}`,
      `--ServerApp.root_dir=${opts.rootDir}`,
      '--ServerApp.open_browser=False',
      '--LabApp.news_url=',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      // Extensions come with the node's Python environment; installing them from PyPI would
      // change it under every user (and reach out to PyPI): listing them is all a session may do.
      '--LabApp.extension_manager=readonly',
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
