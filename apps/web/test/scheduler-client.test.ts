import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { schedulerClient } from '../src/server/scheduler-client';

describe('schedulerClient.poke', () => {
  it('sends one poke at a time: a burst of pokes while one is in flight becomes one more', async () => {
    const answered: (() => void)[] = [];
    const server = createServer((req, res) => {
      expect(req.headers.authorization).toBe('Bearer s3cret');
      answered.push(() => res.writeHead(202).end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = schedulerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 's3cret');
    const received = async (n: number) => {
      while (answered.length < n) await new Promise((r) => setTimeout(r, 5));
    };
    try {
      for (let i = 0; i < 50; i++) client.poke();
      await received(1);
      for (let i = 0; i < 50; i++) client.poke();
      answered[0]?.();
      await received(2);
      answered[1]?.();
      await new Promise((r) => setTimeout(r, 100));
      expect(answered).toHaveLength(2);
      client.poke();
      await received(3);
      answered[2]?.();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
