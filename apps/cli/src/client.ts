import { FairshareView, JobList, type JobSubmitInput, JobView, NodeView, QueueView, type SessionCreateInput, SessionView, TokenCreated } from '@sluice/contracts';
import { z } from 'zod';

/** A REST error: the HTTP status and the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${status}: ${message}`);
  }
}

/** REST v1 for the CLI. Errors carry the server's message (which names the bad field). */
export class ApiClient {
  constructor(
    readonly url: string,
    private readonly token: string | null,
  ) {}

  protected async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const h: Record<string, string> = { ...headers };
    if (this.token && !h.authorization) h.authorization = `Bearer ${this.token}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const r = await fetch(new URL(path, this.url), { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!r.ok) {
      const text = await r.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
      } catch {}
      throw new ApiError(r.status, message);
    }
    return r;
  }

  async login(username: string, password: string) {
    const r = await this.call('POST', '/api/v1/tokens', undefined, { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` });
    return TokenCreated.parse(await r.json());
  }
  async submit(input: Partial<JobSubmitInput> & { command: string }) {
    return JobView.parse(await (await this.call('POST', '/api/v1/jobs', input)).json());
  }
  async jobs(all: boolean) {
    return JobList.parse(await (await this.call('GET', `/api/v1/jobs${all ? '?all=true' : ''}`)).json()).jobs;
  }
  async job(id: string) {
    return JobView.parse(await (await this.call('GET', `/api/v1/jobs/${encodeURIComponent(id)}`)).json());
  }
  async cancel(id: string) {
    return JobView.parse(await (await this.call('DELETE', `/api/v1/jobs/${encodeURIComponent(id)}`)).json());
  }
  async logs(id: string, offset: number) {
    const r = await this.call('GET', `/api/v1/jobs/${encodeURIComponent(id)}/logs?offset=${offset}`);
    return { text: await r.text(), next: Number(r.headers.get('x-log-next-offset') ?? offset) };
  }
  async queue() {
    return QueueView.parse(await (await this.call('GET', '/api/v1/queue')).json()).jobs;
  }
  async fairshare() {
    return FairshareView.parse(await (await this.call('GET', '/api/v1/fairshare')).json());
  }
  async nodes() {
    return z.object({ nodes: z.array(NodeView) }).parse(await (await this.call('GET', '/api/v1/nodes')).json()).nodes;
  }
  async startSession(input: z.input<typeof SessionCreateInput>) {
    return SessionView.parse(await (await this.call('POST', '/api/v1/sessions', input)).json());
  }
  async session(id: string) {
    return SessionView.parse(await (await this.call('GET', `/api/v1/sessions/${encodeURIComponent(id)}`)).json());
  }
  async stopSession(id: string) {
    return SessionView.parse(await (await this.call('DELETE', `/api/v1/sessions/${encodeURIComponent(id)}`)).json());
  }
}
