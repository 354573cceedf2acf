import WebSocket from 'ws';

/** A terminal session client as the portal's page speaks it: JSON messages in, text out. */
export class TerminalClient {
  output = '';
  closed: { code: number; reason: string } | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.output += String(d);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
  }

  /** Opens `<baseUrl>ws`; rejects with the HTTP status when the server refuses the upgrade. */
  static open(url: string, token: string | null): Promise<TerminalClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, token === null ? {} : { headers: { authorization: `token ${token}` } });
      ws.once('open', () => resolve(new TerminalClient(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  type(data: string): void {
    this.ws.send(JSON.stringify({ type: 'input', data }));
  }

  resize(cols: number, rows: number): void {
    this.ws.send(JSON.stringify({ type: 'resize', cols, rows }));
  }

  close(): void {
    this.ws.close();
  }
}
