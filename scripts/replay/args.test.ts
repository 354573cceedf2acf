import { describe, expect, it } from 'vitest';
import { parseReplayArgs } from './args';

describe('replay command line', () => {
  it('reads a trace replay with defaults', () => {
    const a = parseReplayArgs(['--trace', 't.csv', '--out', 'r.csv', '--shares', 'g1=2,g2=1'], { SLUICE_ADMIN_PASSWORD: 'pw-from-env' });
    expect(a).toMatchObject({ trace: 't.csv', out: 'r.csv', factor: 60, shares: { g1: 2, g2: 1 }, url: 'http://127.0.0.1:3000', user: 'admin', password: 'pw-from-env', concurrency: 16, pollEverySec: 2, eta: null });
  });

  it('samples estimates every 5 s by default with --eta', () => {
    expect(parseReplayArgs(['--trace', 't', '--out', 'o', '--eta', 'e.csv', '--password', 'p'], {}).pollEverySec).toBe(5);
    expect(parseReplayArgs(['--trace', 't', '--out', 'o', '--eta', 'e.csv', '--eta-every', '2.5', '--password', 'p'], {}).pollEverySec).toBe(2.5);
  });

  it('reads a throughput run', () => {
    expect(parseReplayArgs(['--throughput', '1000', '--password', 'p', '--concurrency', '32'], {})).toMatchObject({ throughput: 1000, trace: null, concurrency: 32 });
  });

  it.each([
    [[], {}, /either --trace FILE or --throughput N/],
    [['--trace', 't', '--throughput', '5', '--password', 'p'], {}, /either --trace FILE or --throughput N/],
    [['--trace', 't', '--password', 'p'], {}, /--out FILE is required/],
    [['--throughput', '10'], {}, /admin password/],
    [['--throughput', '1.5', '--password', 'p'], {}, /--throughput needs a positive whole number/],
    [['--trace', 't', '--out', 'o', '--factor', '-1', '--password', 'p'], {}, /--factor needs a positive number, not "-1"/],
    [['--trace', 't', '--out', 'o', '--url', 'ftp://x', '--password', 'p'], {}, /--url must be an http/],
    [['--trace'], {}, /--trace needs a value/],
    [['--bogus', '1'], {}, /unknown argument --bogus/],
  ])('rejects %j', (argv, env, message) => {
    expect(() => parseReplayArgs(argv, env)).toThrow(message);
  });
});
