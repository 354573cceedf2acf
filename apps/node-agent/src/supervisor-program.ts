import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SupervisorLaunch } from './job-state';

const SOURCE = fileURLToPath(new URL('../supervisor/supervisor.c', import.meta.url));
const PROGRAM = fileURLToPath(new URL('../build/sluice-supervisor', import.meta.url));

let built: string | null = null;

/**
 * The job supervisor's program (supervisor/supervisor.c), compiled with the system's C compiler
 * when it is missing or older than its source (the install brings gcc; it takes a fraction of a
 * second, once per checkout). Several agents starting together may build it at once: each
 * writes its own file and renames it into place.
 */
export function supervisorProgram(): string {
  if (built) return built;
  const fresh = existsSync(PROGRAM) && statSync(PROGRAM).mtimeMs >= statSync(SOURCE).mtimeMs;
  if (!fresh) {
    const cc = ['/usr/bin/cc', '/usr/bin/gcc'].find((p) => existsSync(p));
    if (!cc) throw new Error('the job supervisor is not built and there is no C compiler to build it (apt-get install gcc)');
    mkdirSync(path.dirname(PROGRAM), { recursive: true });
    const tmp = `${PROGRAM}.${process.pid}.tmp`;
    try {
      execFileSync(cc, ['-O2', '-Wall', '-o', tmp, SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
      renameSync(tmp, PROGRAM);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new Error(`cannot build the job supervisor from ${SOURCE}: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || String(err)}`);
    }
  }
  built = PROGRAM;
  return PROGRAM;
}

/**
 * The launch as the supervisor reads it on stdin: NUL-terminated records of a tag and a value
 * (`f` program, `d` directory, `k` cgroup.kill, `a` each argument, `e` each NAME=value) and the
 * end record `.`, without which the supervisor starts nothing.
 */
export function encodeLaunch(launch: SupervisorLaunch): Buffer {
  const records = [
    `f${launch.file}`,
    `d${launch.cwd}`,
    ...(launch.killFile ? [`k${launch.killFile}`] : []),
    ...launch.args.map((a) => `a${a}`),
    ...Object.entries(launch.env).map(([k, v]) => {
      if (k === '' || k.includes('=')) throw new Error(`environment variable name ${JSON.stringify(k)} is not valid`);
      return `e${k}=${v}`;
    }),
    '.',
  ];
  for (const r of records) if (r.includes('\0')) throw new Error(`the launch cannot carry a NUL byte: ${JSON.stringify(r.slice(1, 80))}`);
  return Buffer.from(`${records.join('\0')}\0`);
}
