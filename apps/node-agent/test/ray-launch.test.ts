import { execFile } from 'node:child_process';
import { lstatSync, mkdtempSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeLinks } from '../src/job-run';
import { AGENT_READY_LINE, objectStoreMiB, RAY_MAIN, rayEnv, rayLaunch, rayStartArgs } from '../src/ray';

const scratch = mkdtempSync(path.join(tmpdir(), 'sluice-ray-launch-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const token = 'f'.repeat(48);
const session = { template: 'ray' as const, baseUrl: '/s/9/', token };
const limits = { cpus: 1, memoryMiB: 4096 };
const opts = (extra: Partial<Parameters<typeof rayLaunch>[0]> = {}) => ({
  session,
  pythonEnv: '/opt/sluice/python',
  host: '127.0.0.1',
  jobDir: mkdtempSync(path.join(scratch, 'job-')),
  owner: null,
  gpus: 2,
  limits,
  path: '/usr/bin:/bin',
  tmpDir: scratch,
  ...extra,
});
const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

describe('Ray on a node', () => {
  it("runs Ray's own command line (RAY_MAIN in the managed Python environment)", async () => {
    const python = path.resolve(import.meta.dirname, '../../../.runtime/python/bin/python');
    const { stdout } = await promisify(execFile)(python, ['-c', RAY_MAIN, '--version'], { env: { ...process.env, RAY_USAGE_STATS_ENABLED: '0' } });
    expect(stdout.trim()).toBe('ray, version 2.60.0');
  });

  it('starts a head with the allocation: GPUs, CPUs, memory, a small object store, its dashboard on the session host', () => {
    const args = rayStartArgs({ host: '10.1.2.3', ports: { gcs: 6001, dashboard: 6002, 'ray-client-server': 6003 }, gpus: 2, limits: { cpus: 1, memoryMiB: 4096 }, tempDir: '/tmp/x' });
    expect(args.slice(0, 2)).toEqual(['start', '--block']);
    expect(args).toContain('--head');
    expect(args).toContain('--disable-usage-stats');
    expect(flag(args, 'num-gpus')).toBe('2');
    expect(flag(args, 'num-cpus')).toBe('1');
    expect(flag(args, 'object-store-memory')).toBe(String(409 * 2 ** 20));
    expect(flag(args, 'memory')).toBe(String((4096 - 409) * 2 ** 20));
    expect(flag(args, 'node-ip-address')).toBe('10.1.2.3');
    expect(flag(args, 'dashboard-host')).toBe('10.1.2.3');
    expect([flag(args, 'port'), flag(args, 'dashboard-port'), flag(args, 'ray-client-server-port')]).toEqual(['6001', '6002', '6003']);
    expect(flag(args, 'temp-dir')).toBe('/tmp/x');
    expect(args).not.toContain('--address');
  });

  it('starts a worker that joins the head, without a dashboard or GCS of its own', () => {
    const args = rayStartArgs({ host: '10.1.2.4', headAddress: '10.1.2.3:6001', ports: {}, gpus: 0, limits: { cpus: 64, memoryMiB: 100 }, tempDir: '/tmp/y' });
    expect(flag(args, 'address')).toBe('10.1.2.3:6001');
    expect(args.filter((a) => /^--(head|port=|dashboard-port=|include-dashboard)/.test(a))).toEqual([]);
    expect(Number(flag(args, 'num-cpus'))).toBeLessThanOrEqual(64);
    expect(flag(args, 'object-store-memory')).toBe(String(100 * 2 ** 20));
  });

  it('keeps the object store small: a tenth of the memory, at least 100 MiB', () => {
    expect([objectStoreMiB(512), objectStoreMiB(4096), objectStoreMiB(163_840)]).toEqual([100, 409, 16_384]);
  });

  it('never reports usage, authenticates with the session token, and stops without a drain', () => {
    expect(rayEnv(token)).toMatchObject({
      RAY_USAGE_STATS_ENABLED: '0',
      RAY_GRAFANA_HOST: 'DISABLED',
      RAY_AUTH_MODE: 'token',
      RAY_AUTH_TOKEN: token,
      RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S: '0',
    });
  });

  it('gives a head distinct free ports, names its dashboard and join address, and is ready once started with its agent answering', async () => {
    const o = opts();
    const head = await rayLaunch(o);
    expect(head.file).toBe('/opt/sluice/python/bin/python');
    expect(head.args.slice(0, 2)).toEqual(['-c', RAY_MAIN]);
    const ports = head.args.filter((a) => /^--(port|[a-z-]+-port)=\d+$/.test(a)).map((a) => Number(a.split('=')[1]));
    expect(ports.filter((p) => p > 0)).toHaveLength(9);
    expect(new Set(ports.filter((p) => p > 0)).size).toBe(9);
    expect(head.port).toBe(Number(flag(head.args, 'dashboard-port')));
    expect(head.joinAddress).toBe(`127.0.0.1:${flag(head.args, 'port')}`);
    expect(head.env).toMatchObject({ RAY_AUTH_TOKEN: token, SLUICE_RAY_AGENT_PORT: flag(head.args, 'dashboard-agent-listen-port'), PATH: '/opt/sluice/python/bin:/usr/bin:/bin' });
    // The token never appears on the command line, where other users could read it.
    expect(head.args.join(' ')).not.toContain(token);
    expect(head.isReadyLine('2026-11-23 15:45:10,063\tERROR services.py:1431 -- Failed to start the dashboard')).toBe(false);
    expect(head.isReadyLine('2026-11-23 15:45:11,668\tSUCC scripts.py:1085 -- Ray runtime started.')).toBe(false);
    expect(head.isReadyLine(AGENT_READY_LINE)).toBe(true);
    // Either order: the agent may answer first.
    const again = await rayLaunch(opts());
    expect(again.isReadyLine(AGENT_READY_LINE)).toBe(false);
    expect(again.isReadyLine('... -- Ray runtime started.')).toBe(true);
    removeLinks([...(again.links ?? []), ...(head.links ?? [])]);
  });

  it("keeps Ray's files in the job directory, reached through a short link for the agent to remove with the session", async () => {
    const o = opts({ tmpDir: tmpdir() });
    const worker = await rayLaunch({ ...o, session: { ...session, headAddress: '127.0.0.1:6001' } });
    const link = flag(worker.args, 'temp-dir') ?? '';
    expect(path.dirname(link)).toBe(tmpdir());
    // Ray's socket paths (<temp>/session_<date>_<pid>/sockets/plasma_store) must stay under 108 bytes.
    expect(link.length).toBeLessThan(108 - 63);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(path.join(o.jobDir, 'ray'));
    expect(statSync(path.join(o.jobDir, 'ray')).mode & 0o777).toBe(0o700);
    expect(worker.joinAddress).toBeUndefined();
    expect(worker.isReadyLine('Ray runtime started.')).toBe(false);
    expect(worker.links).toEqual([link]);
    removeLinks(worker.links ?? []);
    expect(() => lstatSync(link)).toThrow();
    expect(statSync(path.join(o.jobDir, 'ray')).isDirectory()).toBe(true);
  });
});
