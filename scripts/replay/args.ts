/** Command line of `npm run replay` (pure). */
import { parseShares } from './plan';

export const USAGE = `npm run replay -- --trace FILE --factor 60 --out results.csv [options]
npm run replay -- --throughput N [--out throughput.csv] [options]

Replays a trace (job_id,user,group,submit_time_s,duration_s,gpus) on a running Sluice through
REST v1 as real "sleep" jobs, waits until all have ended and writes
job_id,user,group,gpus,submit,start,end (seconds from the start of the replay).

  --trace FILE         the trace
  --factor F           time compression: trace seconds / F = wall seconds (default 60)
  --out FILE           results CSV (throughput: a CSV line is appended)
  --shares g1=2,g2=1   shares of the groups' accounts (default 1 each)
  --eta FILE           sample every pending job's estimated start into FILE
  --eta-every S        seconds between samples and polls (default 5 with --eta, else 2)
  --throughput N       instead of a trace: N one-GPU "sleep 1" jobs at once; submission rate and
                       time until all are done
  --url URL            Sluice's portal (default http://127.0.0.1:3000)
  --user NAME          an admin (default admin)
  --password P         its password (default: $SLUICE_ADMIN_PASSWORD)
  --concurrency N      requests in flight at most (default 16)
  --bench-dir DIR      the Slurm benchmark harness, for metrics.mjs (default ../shared/bench/slurm)`;

export interface ReplayArgs {
  trace: string | null;
  throughput: number | null;
  factor: number;
  out: string | null;
  shares: Record<string, number>;
  eta: string | null;
  pollEverySec: number;
  url: string;
  user: string;
  password: string;
  concurrency: number;
  benchDir: string | null;
}

export function parseReplayArgs(argv: readonly string[], env: Record<string, string | undefined>): ReplayArgs {
  const a: ReplayArgs = {
    trace: null,
    throughput: null,
    factor: 60,
    out: null,
    shares: {},
    eta: null,
    pollEverySec: 0,
    url: 'http://127.0.0.1:3000',
    user: 'admin',
    password: env.SLUICE_ADMIN_PASSWORD ?? '',
    concurrency: 16,
    benchDir: null,
  };
  const positive = (k: string, v: string, integer = false) => {
    const n = Number(v);
    if (!(n > 0) || (integer && !Number.isInteger(n))) throw new Error(`${k} needs a positive ${integer ? 'whole ' : ''}number, not ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i] as string;
    if (k === '--help' || k === '-h') throw new Error(USAGE);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${k} needs a value`);
    switch (k) {
      case '--trace': a.trace = v; break;
      case '--throughput': a.throughput = positive(k, v, true); break;
      case '--factor': a.factor = positive(k, v); break;
      case '--out': a.out = v; break;
      case '--shares': a.shares = parseShares(v); break;
      case '--eta': a.eta = v; break;
      case '--eta-every': a.pollEverySec = positive(k, v); break;
      case '--url': a.url = v; break;
      case '--user': a.user = v; break;
      case '--password': a.password = v; break;
      case '--concurrency': a.concurrency = positive(k, v, true); break;
      case '--bench-dir': a.benchDir = v; break;
      default: throw new Error(`unknown argument ${k}\n\n${USAGE}`);
    }
  }
  if ((a.trace === null) === (a.throughput === null)) throw new Error(`give either --trace FILE or --throughput N\n\n${USAGE}`);
  if (a.trace !== null && a.out === null) throw new Error('--out FILE is required with --trace');
  if (!a.password) throw new Error('the admin password: --password P or SLUICE_ADMIN_PASSWORD');
  if (!/^https?:\/\//.test(a.url)) throw new Error(`--url must be an http(s) URL, not ${JSON.stringify(a.url)}`);
  if (a.pollEverySec === 0) a.pollEverySec = a.eta ? 5 : 2;
  return a;
}
