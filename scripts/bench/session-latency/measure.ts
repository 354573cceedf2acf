/** Pure parts of `npm run bench:sessions`: command line, statistics, Jupyter's log, CSV. */

export const USAGE = `npm run bench:sessions -- [options]

Starts N Jupyter sessions one after another on a running Sluice, each cold (a new session,
a new Jupyter server), and measures the time from the session request
(POST /api/v1/sessions) to the first HTTP 200 of GET /s/<id>/api/status through the portal.
Each session is stopped, and has ended, before the next one is requested.

  --runs N        sessions to start (default 30)
  --gpus N        GPUs per session (default 1)
  --poll-ms MS    client polling interval (default 20)
  --timeout S     give up on one session after S seconds (default 120)
  --out FILE      per-run CSV (default bench/results/session-latency-runs.csv, appended)
  --summary FILE  one dated line per benchmark (default bench/results/session-latency.txt)
  --label TEXT    a word for the CSV and the summary (default sluice)
  --url URL       Sluice's portal (default http://127.0.0.1:3000)
  --user NAME     an admin; the sessions are its own (default admin)
  --password P    its password (default: $SLUICE_ADMIN_PASSWORD)`;

export interface BenchArgs {
  runs: number;
  gpus: number;
  pollMs: number;
  timeoutSec: number;
  out: string;
  summary: string;
  label: string;
  url: string;
  user: string;
  password: string;
}

export function parseBenchArgs(argv: readonly string[], env: Record<string, string | undefined>): BenchArgs {
  const a: BenchArgs = {
    runs: 30,
    gpus: 1,
    pollMs: 20,
    timeoutSec: 120,
    out: 'bench/results/session-latency-runs.csv',
    summary: 'bench/results/session-latency.txt',
    label: 'sluice',
    url: 'http://127.0.0.1:3000',
    user: 'admin',
    password: env.SLUICE_ADMIN_PASSWORD ?? '',
  };
  const whole = (k: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${k} needs a whole number >= ${min}, not ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i] as string;
    if (k === '--help' || k === '-h') throw new Error(USAGE);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${k} needs a value`);
    switch (k) {
      case '--runs': a.runs = whole(k, v, 1); break;
      case '--gpus': a.gpus = whole(k, v, 0); break;
      case '--poll-ms': a.pollMs = whole(k, v, 1); break;
      case '--timeout': a.timeoutSec = whole(k, v, 1); break;
      case '--out': a.out = v; break;
      case '--summary': a.summary = v; break;
      case '--label':
        if (!/^[\w.-]+$/.test(v)) throw new Error(`--label: letters, digits, "._-" only, not ${JSON.stringify(v)}`);
        a.label = v;
        break;
      case '--url': a.url = v; break;
      case '--user': a.user = v; break;
      case '--password': a.password = v; break;
      default: throw new Error(`unknown argument ${k}\n\n${USAGE}`);
    }
  }
  if (!a.password) throw new Error('the admin password: --password P or SLUICE_ADMIN_PASSWORD');
  if (!/^https?:\/\//.test(a.url)) throw new Error(`--url must be an http(s) URL, not ${JSON.stringify(a.url)}`);
  return a;
}

/** The q-quantile (0..1) by the nearest-rank method (p90 of 30 runs = the 27th fastest); null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1] as number;
}

/** The median: the middle value, or the mean of the two middle ones; null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export interface Summary {
  n: number;
  median: number | null;
  p90: number | null;
  min: number | null;
  max: number | null;
}

export function summarize(values: readonly number[]): Summary {
  return { n: values.length, median: median(values), p90: quantile(values, 0.9), min: values.length ? Math.min(...values) : null, max: values.length ? Math.max(...values) : null };
}

/**
 * When Jupyter Server said it is running, from its log: the timestamped line
 * `[I 2026-11-23 13:25:00.123 ServerApp] Jupyter Server 2.21.1 is running at:` (local time).
 */
export function jupyterListeningAt(log: string): Date | null {
  const m = /^\[\w (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3}) \w+\] .*is running at:/m.exec(log);
  if (!m) return null;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s, ms);
}

/** One session's milestones, in ms after the request was sent; null = not seen. */
export interface RunTimes {
  /** The POST answered. */
  created: number;
  /** The scheduler placed it: the job started (the agent spawned Jupyter). */
  spawned: number | null;
  /** Jupyter's own log says it listens. */
  listening: number | null;
  /** GET /api/v1/sessions/<id> first said RUNNING. */
  running: number | null;
  /** GET /s/<id>/api/status through the portal first answered 200. */
  http200: number;
  /** DELETE until the session had ended (not part of the start figures). */
  stop: number | null;
}

export const RUN_COLUMNS = ['time', 'label', 'run', 'session', 'created_ms', 'spawned_ms', 'listening_ms', 'running_ms', 'http200_ms', 'stop_ms', 'polls'] as const;

export function runCsvRow(at: Date, label: string, run: number, session: string, t: RunTimes, polls: number): string {
  const ms = (v: number | null) => (v === null ? '' : String(Math.round(v)));
  return [at.toISOString(), label, run, session, ms(t.created), ms(t.spawned), ms(t.listening), ms(t.running), ms(t.http200), ms(t.stop), polls].join(',');
}

/** `median/p90/min/max` in whole ms, or `-` when nothing was measured. */
export function formatSummary(s: Summary): string {
  if (s.n === 0) return '-';
  const r = (v: number | null) => String(Math.round(v as number));
  return `${r(s.median)}/${r(s.p90)}/${r(s.min)}/${r(s.max)}`;
}
