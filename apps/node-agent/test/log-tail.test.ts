import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeUtf8, LogTail } from '../src/log-tail';

let dir: string;
let file: string;
let sentFile: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sluice-tail-'));
  file = path.join(dir, 'output.log');
  sentFile = path.join(dir, 'output.sent');
  writeFileSync(file, '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A link that is up or down, and what went out over it. */
const link = () => {
  const l = { up: true, sent: [] as string[], send: (d: string) => l.sent.push(d), canSend: () => l.up };
  return l;
};

describe('job output tailed from its file', () => {
  it('sends what is written, in order, and nothing twice', () => {
    const l = link();
    const tail = new LogTail(file, sentFile, l);
    appendFileSync(file, 'one\n');
    tail.tick();
    appendFileSync(file, 'two\n');
    tail.tick();
    tail.tick();
    expect(l.sent.join('')).toBe('one\ntwo\n');
    expect(tail.drained).toBe(true);
    tail.close();
  });

  it('keeps output while the link is down and sends it once it is up', () => {
    const l = link();
    l.up = false;
    const tail = new LogTail(file, sentFile, l);
    appendFileSync(file, 'while down\n');
    tail.tick();
    expect(l.sent).toEqual([]);
    expect(tail.drained).toBe(false);
    l.up = true;
    tail.tick();
    expect(l.sent).toEqual(['while down\n']);
    tail.close();
  });

  it('goes on where it stopped when opened again (an agent restart): nothing lost, nothing repeated', () => {
    const first = link();
    const before = new LogTail(file, sentFile, first);
    appendFileSync(file, 'a\n');
    before.tick();
    before.close();
    appendFileSync(file, 'b\n');
    const second = link();
    const after = new LogTail(file, sentFile, second);
    after.tick();
    expect([first.sent.join(''), second.sent.join('')]).toEqual(['a\n', 'b\n']);
    after.close();
  });

  it('never splits a UTF-8 character between two messages, until the workload has ended', () => {
    const l = link();
    const tail = new LogTail(file, sentFile, l);
    const euro = Buffer.from('€'); // 3 bytes
    appendFileSync(file, Buffer.concat([Buffer.from('x'), euro.subarray(0, 2)]));
    tail.tick();
    expect(l.sent).toEqual(['x']);
    appendFileSync(file, euro.subarray(2));
    tail.tick();
    expect(l.sent.join('')).toBe('x€');
    appendFileSync(file, Buffer.from([0xe2]));
    tail.finish();
    expect(tail.drained).toBe(true);
    expect(completeUtf8(Buffer.from([0x61, 0xf0, 0x9f]))).toBe(1);
    expect(completeUtf8(Buffer.from('a€'))).toBe(4);
    tail.close();
  });

  it('shows watched lines from the start of the file, whether the link is up or not', () => {
    const l = link();
    l.up = false;
    const tail = new LogTail(file, sentFile, l);
    appendFileSync(file, 'starting\nlistening on http://127.0.0.1:8888/s/1/\npartial');
    const lines: string[] = [];
    tail.watchLines((line) => lines.push(line));
    tail.tick();
    expect(lines).toEqual(['starting', 'listening on http://127.0.0.1:8888/s/1/']);
    tail.close();
  });

  it('sees a line as soon as it is written, without waiting for the interval', async () => {
    const l = link();
    const tail = new LogTail(file, sentFile, l);
    const seen = new Promise<string>((resolve) => tail.watchLines((line) => line.startsWith('listening') && resolve(line)));
    // An interval far longer than the test's timeout: only the file watch can deliver the line.
    tail.start(3_600_000);
    appendFileSync(file, 'starting\n');
    appendFileSync(file, 'listening on http://127.0.0.1:8888/s/1/\n');
    await expect(seen).resolves.toBe('listening on http://127.0.0.1:8888/s/1/');
    expect(l.sent.join('')).toBe('starting\nlistening on http://127.0.0.1:8888/s/1/\n');
    tail.close();
  });
});
