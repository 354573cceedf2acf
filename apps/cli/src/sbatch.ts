/**
 * Reads the `#SBATCH` directives of an existing Slurm batch script, so it can be submitted
 * unchanged: job name, time limit, GPU count, account, QOS, partition (= pool), afterok
 * dependencies and the container image (pyxis's `--container-image`). Other directives are
 * reported as ignored.
 */
export interface SbatchOptions {
  name?: string;
  timeLimitMinutes?: number;
  gpus?: number;
  account?: string;
  qos?: string;
  pool?: string;
  dependsOn?: string[];
  /** Container image (pyxis/enroot's `--container-image`, `registry#image` form included). */
  image?: string;
  ignored: string[];
}

/** `afterok:12:13` or `afterok:12,afterok:13` → ["12", "13"]. Other kinds would change when the job may run, so they are refused. */
export function parseDependency(value: string): string[] {
  const ids: string[] = [];
  for (const part of value.split(/[,?]/)) {
    const [kind, ...rest] = part.split(':');
    if (kind !== 'afterok' || rest.length === 0 || rest.some((id) => !/^\d+$/.test(id)))
      throw new Error(`--dependency: "${part}" is not supported; use afterok:<job id>[:<job id>...]`);
    ids.push(...rest);
  }
  return ids;
}

/** Slurm's time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S → whole minutes (rounded up). */
export function parseSlurmTime(value: string): number {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`--time: "${value}" is not a Slurm time (e.g. 90, 1:30:00, 2-00:00:00)`);
  const [, d, a, b, c] = m;
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  let seconds: number;
  if (d !== undefined) seconds = n(d) * 86400 + n(a) * 3600 + n(b) * 60 + n(c);
  else if (c !== undefined) seconds = n(a) * 3600 + n(b) * 60 + n(c);
  else if (b !== undefined) seconds = n(a) * 60 + n(b);
  else seconds = n(a) * 60;
  return Math.max(1, Math.ceil(seconds / 60));
}

/** `gpu:2`, `gpu:a100:2`, `gpu` → the GPU count. */
function gpusFromGres(value: string): number | undefined {
  for (const part of value.split(',')) {
    const bits = part.split(':');
    if (bits[0] !== 'gpu') continue;
    const last = bits[bits.length - 1] ?? '';
    return /^\d+$/.test(last) ? Number(last) : 1;
  }
  return undefined;
}

export function parseSbatch(script: string): SbatchOptions {
  const out: SbatchOptions = { ignored: [] };
  for (const line of script.split('\n')) {
    const m = /^#SBATCH\s+(.*)$/.exec(line.trim());
    if (!m?.[1]) continue;
    for (const token of m[1].split(/\s+(?=-)/)) {
      const opt = /^(--?[A-Za-z-]+)(?:[=\s]+(.*))?$/.exec(token.trim());
      if (!opt?.[1]) continue;
      const key = opt[1];
      const value = (opt[2] ?? '').trim();
      if (key === '--job-name' || key === '-J') out.name = value;
      else if (key === '--time' || key === '-t') out.timeLimitMinutes = parseSlurmTime(value);
      else if (key === '--gres') out.gpus = gpusFromGres(value) ?? out.gpus;
      else if (key === '--gpus' || key === '-G' || key === '--gpus-per-node') out.gpus = Number(value.split(':').pop());
      else if (key === '--account' || key === '-A') out.account = value;
      else if (key === '--qos' || key === '-q') out.qos = value;
      else if (key === '--partition' || key === '-p') out.pool = value;
      else if (key === '--container-image') out.image = value;
      else if (key === '--dependency' || key === '-d') out.dependsOn = [...(out.dependsOn ?? []), ...parseDependency(value)];
      else out.ignored.push(token.trim());
    }
  }
  return out;
}
