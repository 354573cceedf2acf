// @ts-check
/**
 * The job supervisor: one small process per job between the agent and the workload, so that the
 * workload and its exit status outlive the agent (a crash, `systemctl restart`, an upgrade).
 *
 *   agent ──spawn (own session, empty env)──▶ supervisor <runDir>
 *         ──stdin: SupervisorLaunch (JSON)──▶   spawn workload (own session and process group,
 *                                               stdout+stderr → output.log) → started.json
 *         ◀──stdout: "started"──                wait → kill the process group → cgroup.kill
 *                                               → exit.json {exitCode, signal, endedAt}
 *
 * It runs as the agent's user (root on a node) with no environment of its own (nothing a job sets
 * can reach this root process). The workload's argv switches to the job's user inside its cgroup
 * (launch-command.ts), as before. It starts nothing until the agent has recorded its pid and sent
 * the launch: if the agent dies first, stdin ends empty and it exits. Only SIGKILL ends it early;
 * stopping a job signals the workload's process group and cgroup, never the supervisor.
 *
 * Plain JavaScript (types checked from the JSDoc), no dependencies: it starts with every job, and
 * Node's type stripping would add about 50 ms of CPU and 12 MiB of memory to each.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/** @typedef {import('./job-state').SupervisorLaunch} SupervisorLaunch */
/** @typedef {import('./job-state').WorkloadExit} WorkloadExit */
/** @typedef {import('./job-state').WorkloadStarted} WorkloadStarted */

const runDir = process.argv[2] ?? '';

/** @param {string} name @param {WorkloadStarted | WorkloadExit} value */
function record(name, value) {
  const file = path.join(runDir, name);
  writeFileSync(`${file}.tmp`, JSON.stringify(value), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** @param {Omit<WorkloadExit, 'endedAt'>} exit @returns {never} */
function end(exit) {
  record('exit.json', { ...exit, endedAt: new Date().toISOString() });
  process.exit(0);
}

/** When a process started (field 22 of /proc/<pid>/stat; proc-identity.ts reads it the same way). @param {number} pid */
function startTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const t = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isInteger(t) ? t : null;
  } catch {
    return null;
  }
}

/** @param {SupervisorLaunch} launch */
function run(launch) {
  const out = openSync(path.join(runDir, 'output.log'), 'a');
  const child = spawn(launch.file, launch.args, { cwd: launch.cwd, env: /** @type {NodeJS.ProcessEnv} */ (launch.env), detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.once('error', (err) => {
    if (child.pid === undefined) end({ exitCode: null, signal: null, error: err.message });
  });
  child.once('spawn', () => {
    const pid = /** @type {number} */ (child.pid);
    record('started.json', { pid, startTime: startTime(pid) });
    try {
      writeSync(1, 'started\n');
    } catch {
      // the agent is gone; a new one reads started.json
    }
  });
  child.once('exit', (exitCode, signal) => {
    // What the workload left behind goes with it: its process group, and what left the group too.
    try {
      process.kill(-(/** @type {number} */ (child.pid)), 'SIGKILL');
    } catch {
      // the group is already empty
    }
    if (launch.killFile) {
      try {
        writeFileSync(launch.killFile, '1');
      } catch {
        // no cgroup.kill here: the agent kills the cgroup's members when it removes it
      }
    }
    end({ exitCode, signal });
  });
}

/** Checks the launch by hand: zod would add its load time to the start of every job. @param {string} text @returns {SupervisorLaunch | null} */
function parseLaunch(text) {
  /** @type {Record<string, unknown>} */
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  /** @param {unknown} a @returns {a is string[]} */
  const strings = (a) => Array.isArray(a) && a.every((x) => typeof x === 'string');
  const { file, args, env, cwd, killFile } = v;
  if (typeof file !== 'string' || !strings(args) || typeof cwd !== 'string' || !(typeof killFile === 'string' || killFile === null)) return null;
  if (typeof env !== 'object' || env === null || !strings(Object.values(env))) return null;
  return { file, args, env: /** @type {Record<string, string>} */ (env), cwd, killFile };
}

for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT', 'SIGHUP'])) process.on(signal, () => {});
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
});
process.stdin.on('end', () => {
  const launch = parseLaunch(input);
  // Nothing (or not all of it) came: the agent died before it sent the launch. Nothing was started.
  if (!launch) process.exit(0);
  run(launch);
});
