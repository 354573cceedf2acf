import type { SessionTemplate } from '@sluice/contracts';

/**
 * Per-session activity, for idle reclaim: the agent asks each Jupyter server how long it has
 * been idle (REST API, without counting as activity itself), and each Ray head whether a Ray
 * job runs, and reports the last active time of every session in its heartbeats. The scheduler
 * decides what idle means (QOS policy).
 *
 *   executor ──track(jobId, endpoint)──▶ ActivityMonitor ──poll every N s──▶ Jupyter /api/status,
 *                                                                            /api/kernels
 *                                                                            Ray /api/jobs/
 *   heartbeat ◀──lastActive()── { jobId: ISO time }
 */
export interface SessionEndpoint {
  host: string;
  port: number;
  /** e.g. /s/42/ */
  baseUrl: string;
  token: string;
  /** Jupyter (and the terminal server, which answers like it) when absent. */
  template?: SessionTemplate;
}

interface JupyterStatus {
  last_activity?: string;
}
interface JupyterKernel {
  execution_state?: string;
  last_activity?: string;
}

/**
 * When the server was last active: now while a kernel is busy (a long training cell is work),
 * else the latest of the server's and its kernels' last_activity. Null when it cannot be asked.
 */
export async function jupyterLastActive(ep: SessionEndpoint, now: number, timeoutMs = 3000): Promise<number | null> {
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(`http://${ep.host}:${ep.port}${ep.baseUrl}${p}`, { headers: { authorization: `token ${ep.token}` }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  try {
    // Neither request counts as activity in Jupyter Server (status is untracked; the flag opts out).
    const [status, kernels] = await Promise.all([get<JupyterStatus>('api/status'), get<JupyterKernel[]>('api/kernels?no_track_activity=1')]);
    if (kernels.some((k) => k.execution_state === 'busy')) return now;
    const times = [status.last_activity, ...kernels.map((k) => k.last_activity)].map((t) => (t ? Date.parse(t) : Number.NaN)).filter(Number.isFinite);
    return times.length > 0 ? Math.min(now, Math.max(...times)) : null;
  } catch {
    return null;
  }
}

interface RayJob {
  status?: string;
  end_time?: number | null;
}

/**
 * When a Ray cluster was last active: now while a Ray job is pending or running, else when the
 * last one ended (the dashboard's Jobs API, which serves at the root, not under the base URL).
 * Null when it cannot be asked or never ran a job.
 */
export async function rayLastActive(ep: SessionEndpoint, now: number, timeoutMs = 3000): Promise<number | null> {
  try {
    const res = await fetch(`http://${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}/api/jobs/`, {
      headers: { authorization: `Bearer ${ep.token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return null;
    const jobs = (await res.json()) as RayJob[];
    if (jobs.some((j) => j.status === 'PENDING' || j.status === 'RUNNING')) return now;
    const ends = jobs.map((j) => j.end_time ?? Number.NaN).filter(Number.isFinite);
    return ends.length > 0 ? Math.min(now, Math.max(...ends)) : null;
  } catch {
    return null;
  }
}

/** Asks a session's server in its own way. */
export const sessionLastActive = (ep: SessionEndpoint, now: number): Promise<number | null> => (ep.template === 'ray' ? rayLastActive(ep, now) : jupyterLastActive(ep, now));

export class ActivityMonitor {
  private readonly sessions = new Map<string, SessionEndpoint>();
  private readonly last = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly probe: (ep: SessionEndpoint, now: number) => Promise<number | null> = sessionLastActive) {}

  /** Starts (endpoint) or stops (null) watching a session. */
  track(jobId: string, ep: SessionEndpoint | null): void {
    if (ep) this.sessions.set(jobId, ep);
    else {
      this.sessions.delete(jobId);
      this.last.delete(jobId);
    }
  }

  /** Something else showed activity (e.g. GPU utilisation, terminal input). */
  touch(jobId: string, at: number): void {
    this.last.set(jobId, Math.max(at, this.last.get(jobId) ?? 0));
  }

  async poll(now = Date.now()): Promise<void> {
    await Promise.all(
      [...this.sessions].map(async ([jobId, ep]) => {
        const t = await this.probe(ep, now);
        if (t !== null && this.sessions.has(jobId)) this.touch(jobId, t);
      }),
    );
  }

  /** Last active time per session, for the heartbeat. */
  lastActive(): Record<string, string> {
    return Object.fromEntries([...this.last].map(([id, t]) => [id, new Date(t).toISOString()]));
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
