import { randomBytes } from 'node:crypto';
import { symlink } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import type { SessionSpec } from '@sluice/contracts';
import type { Limits } from './cgroup/job-cgroup';
import { ownedDir } from './job-dir';
import { freePorts, type SessionLaunch } from './jupyter';

/** The line RAY_MAIN prints once the node's dashboard agent (which runs Ray jobs) answers. */
export const AGENT_READY_LINE = 'Sluice: the Ray dashboard agent answers';

/**
 * `ray start` (the `ray` command's own entry point), with one change: the raylet is told the
 * dashboard agent's HTTP port instead of waiting for the agent to write it to a file. Ray gives
 * that file a fixed 15 s, and a dashboard agent importing its modules on a busy node misses it,
 * which kills the raylet ("Timed out waiting for file .../dashboard_agent_listen_port_...").
 * The port is the one `--dashboard-agent-listen-port` gives the agent (SLUICE_RAY_AGENT_PORT).
 * As `ray start` then no longer waits for the agent, a thread says when it answers
 * (AGENT_READY_LINE): before that, the head's Jobs API refuses jobs.
 */
export const RAY_MAIN = [
  'import os, socket, sys, threading, time',
  'from ray._private import ray_constants, services',
  'def announce(port):',
  '    while True:',
  '        try:',
  "            socket.create_connection(('127.0.0.1', port), timeout=1).close()",
  `            print('${AGENT_READY_LINE}', flush=True)`,
  '            return',
  '        except OSError:',
  '            time.sleep(0.1)',
  '_start = services.start_ray_process',
  'def start_ray_process(command, process_type, *args, **kwargs):',
  "    port = os.environ.get('SLUICE_RAY_AGENT_PORT')",
  '    if process_type == ray_constants.PROCESS_TYPE_RAYLET and port:',
  "        command = [*command, '--dashboard_agent_listen_port=' + port]",
  '        threading.Thread(target=announce, args=(int(port),), daemon=True).start()',
  '    return _start(command, process_type, *args, **kwargs)',
  'services.start_ray_process = start_ray_process',
  'from ray.scripts.scripts import main',
  "sys.argv[0] = 'ray'",
  'sys.exit(main())',
].join('\n');

/**
 * The readiness event of a Ray node: both `ray start`'s "Ray runtime started." and
 * AGENT_READY_LINE, in either order (a fresh predicate per launch: it remembers what it saw).
 */
export function rayReadyLines(): (line: string) => boolean {
  let started = false;
  let agent = false;
  return (line) => {
    started ||= line.includes('Ray runtime started.');
    agent ||= line.includes(AGENT_READY_LINE);
    return started && agent;
  };
}

/** Ray's own minimum is 75 MiB. */
const MIN_OBJECT_STORE_MIB = 100;

/** The object store: a tenth of the node's memory share (large objects spill to disk), at least 100 MiB. */
export function objectStoreMiB(memoryMiB: number): number {
  return Math.max(MIN_OBJECT_STORE_MIB, Math.floor(memoryMiB / 10));
}

/**
 * What Ray is told through its environment: no usage statistics (Ray reports them to its
 * makers by default), no probe of a Grafana on localhost:3000, token authentication with the
 * session's token on every Ray port and the dashboard, no 30 s drain on stop (a stopped session
 * is gone), and start-up timeouts fit for a busy node.
 */
export function rayEnv(token: string): Record<string, string> {
  return {
    RAY_USAGE_STATS_ENABLED: '0',
    RAY_GRAFANA_HOST: 'DISABLED',
    RAY_AUTH_MODE: 'token',
    RAY_AUTH_TOKEN: token,
    RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S: '0',
    RAY_DASHBOARD_STARTUP_TIMEOUT_S: '600',
    RAY_DASHBOARD_SUBPROCESS_MODULE_WAIT_READY_TIMEOUT: '300',
  };
}

/** The ports every Ray node listens on (`--<name>-port`), each chosen free so clusters on one host never collide. */
const NODE_PORTS = ['node-manager', 'object-manager', 'dashboard-agent-listen', 'dashboard-agent-grpc', 'runtime-env-agent', 'metrics-export'] as const;
/** ...and those only a head has: its GCS (the address workers join), dashboard, Ray Client server. */
const HEAD_PORTS = ['gcs', 'dashboard', 'ray-client-server'] as const;
type PortName = (typeof NODE_PORTS)[number] | (typeof HEAD_PORTS)[number];
export type RayPorts = Partial<Record<PortName, number>>;

export interface RayLaunchOptions {
  session: SessionSpec;
  pythonEnv: string;
  /** The node's address: Ray's node IP, and where the head's dashboard listens. */
  host: string;
  jobDir: string;
  /** The job's account when the agent is root (owns Ray's directory), else null. */
  owner: { uid: number; gid: number } | null;
  gpus: number;
  limits: Limits;
  path: string;
  /** Where the short link to Ray's directory goes (default os.tmpdir()). */
  tmpDir?: string;
}

/** The argv of `ray start` for a head (no headAddress) or a worker joining it. */
export function rayStartArgs(o: { host: string; headAddress?: string | undefined; ports: RayPorts; gpus: number; limits: Limits; tempDir: string }): string[] {
  const p = o.ports;
  const objectStore = objectStoreMiB(o.limits.memoryMiB);
  const args = [
    'start',
    '--block',
    '--log-style=record',
    '--log-color=false',
    '--disable-usage-stats',
    `--node-ip-address=${o.host}`,
    `--num-cpus=${Math.max(1, Math.min(o.limits.cpus, availableParallelism()))}`,
    `--num-gpus=${o.gpus}`,
    `--memory=${Math.max(1, o.limits.memoryMiB - objectStore) * 2 ** 20}`,
    `--object-store-memory=${objectStore * 2 ** 20}`,
    `--temp-dir=${o.tempDir}`,
    ...NODE_PORTS.map((n) => `--${n}-port=${p[n] ?? 0}`),
    // 0: each Ray worker process binds a port of the kernel's choosing.
    '--min-worker-port=0',
    '--max-worker-port=0',
  ];
  if (o.headAddress) return [...args, `--address=${o.headAddress}`];
  return [
    ...args,
    '--head',
    `--port=${p.gcs}`,
    '--include-dashboard=true',
    `--dashboard-host=${o.host}`,
    `--dashboard-port=${p.dashboard}`,
    `--ray-client-server-port=${p['ray-client-server']}`,
  ];
}

/**
 * Ray's directory for this job on this node, `<jobDir>/ray` (the user's; Ray opens it to all,
 * the job directory keeps others out), returned as a short link in /tmp: Ray's Unix sockets
 * live below it and a socket path may not exceed 107 bytes. The link is the agent's (the user
 * cannot move it) and goes away with the session.
 */
async function rayTempDir(jobDir: string, owner: RayLaunchOptions['owner'], tmpDir: string): Promise<string> {
  const dir = path.join(jobDir, 'ray');
  await ownedDir(dir, owner, 0o700);
  for (;;) {
    const link = path.join(tmpDir, `sluice-ray-${randomBytes(6).toString('hex')}`);
    try {
      await symlink(dir, link);
      return link;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * A Ray cluster's part on this node, run as the session's user: the head on rank 0 (GCS,
 * dashboard on the session host, Jobs API), a worker joining the head elsewhere. Every port is
 * a free one, so several clusters (and several agents) share a host; the GPUs are the
 * allocation's (CUDA_VISIBLE_DEVICES is pinned already), the CPUs and memory its share.
 * "Ready" is when `ray start` says the node is up and its dashboard agent answers (so the head's
 * dashboard and Jobs API take jobs); a head then names its dashboard port and the address
 * workers join.
 */
export async function rayLaunch(o: RayLaunchOptions): Promise<SessionLaunch> {
  const headAddress = o.session.headAddress;
  const names: PortName[] = headAddress ? [...NODE_PORTS] : [...NODE_PORTS, ...HEAD_PORTS];
  // Probed on every address: Ray binds some of them on all interfaces.
  const free = await freePorts('0.0.0.0', names.length);
  const ports: RayPorts = Object.fromEntries(names.map((n, i) => [n, free[i]]));
  const link = await rayTempDir(o.jobDir, o.owner, o.tmpDir ?? tmpdir());
  const bin = path.join(o.pythonEnv, 'bin');
  return {
    file: path.join(bin, 'python'),
    args: ['-c', RAY_MAIN, ...rayStartArgs({ host: o.host, headAddress, ports, gpus: o.gpus, limits: o.limits, tempDir: link })],
    env: {
      ...rayEnv(o.session.token),
      SLUICE_RAY_AGENT_PORT: String(ports['dashboard-agent-listen'] ?? ''),
      // Job entry points (`python script.py`) run with the Python that runs Ray.
      PATH: `${bin}:${o.path}`,
    },
    port: ports.dashboard ?? 0,
    ...(headAddress ? {} : { joinAddress: `${o.host.includes(':') ? `[${o.host}]` : o.host}:${ports.gcs}` }),
    isReadyLine: headAddress ? () => false : rayReadyLines(),
    links: [link],
  };
}
