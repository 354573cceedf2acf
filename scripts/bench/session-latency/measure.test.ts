import { describe, expect, it } from 'vitest';
import { formatSummary, jupyterListeningAt, median, parseBenchArgs, quantile, RUN_COLUMNS, runCsvRow, summarize } from './measure';

describe('parseBenchArgs', () => {
  it('has defaults and takes the password from the environment', () => {
    const a = parseBenchArgs([], { SLUICE_ADMIN_PASSWORD: 'secret123' });
    expect(a).toMatchObject({ runs: 30, gpus: 1, pollMs: 20, url: 'http://127.0.0.1:3000', user: 'admin', password: 'secret123', label: 'sluice' });
  });

  it('reads every option', () => {
    const a = parseBenchArgs(['--runs', '5', '--gpus', '0', '--poll-ms', '50', '--timeout', '9', '--out', 'o.csv', '--summary', 's.txt', '--label', 'lab-4', '--url', 'http://h:1', '--user', 'root', '--password', 'pw'], {});
    expect(a).toEqual({ runs: 5, gpus: 0, pollMs: 50, timeoutSec: 9, out: 'o.csv', summary: 's.txt', label: 'lab-4', url: 'http://h:1', user: 'root', password: 'pw' });
  });

  it('refuses bad input with a message naming it', () => {
    expect(() => parseBenchArgs(['--runs', '0'], { SLUICE_ADMIN_PASSWORD: 'x' })).toThrow(/--runs needs a whole number >= 1/);
    expect(() => parseBenchArgs(['--runs', '2.5'], { SLUICE_ADMIN_PASSWORD: 'x' })).toThrow(/--runs/);
    expect(() => parseBenchArgs(['--label', 'a,b'], { SLUICE_ADMIN_PASSWORD: 'x' })).toThrow(/--label/);
    expect(() => parseBenchArgs(['--url', 'localhost:3000'], { SLUICE_ADMIN_PASSWORD: 'x' })).toThrow(/--url/);
    expect(() => parseBenchArgs(['--nope', '1'], { SLUICE_ADMIN_PASSWORD: 'x' })).toThrow(/unknown argument --nope/);
    expect(() => parseBenchArgs(['--runs'], { SLUICE_ADMIN_PASSWORD: 'x' })).toThrow(/--runs needs a value/);
    expect(() => parseBenchArgs([], {})).toThrow(/password/);
  });
});

describe('statistics', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('p90 by nearest rank: the 27th of 30, the 9th of 10', () => {
    const thirty = Array.from({ length: 30 }, (_, i) => 30 - i);
    expect(quantile(thirty, 0.9)).toBe(27);
    expect(quantile([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0.9)).toBe(9);
    expect(quantile([5], 0.9)).toBe(5);
    expect(quantile([], 0.9)).toBeNull();
  });

  it('summarizes and formats', () => {
    expect(summarize([100.4, 300, 200])).toEqual({ n: 3, median: 200, p90: 300, min: 100.4, max: 300 });
    expect(formatSummary(summarize([100.4, 300, 200]))).toBe('200/300/100/300');
    expect(formatSummary(summarize([]))).toBe('-');
  });
});

describe('jupyterListeningAt', () => {
  it('reads the local time of the "is running at" line', () => {
    const log = [
      '[I 2026-11-23 13:31:41.942 ServerApp] jupyterlab | extension was successfully loaded.',
      '[I 2026-11-23 13:31:41.943 ServerApp] Jupyter Server 2.21.1 is running at:',
      '[I 2026-11-23 13:31:41.959 ServerApp] http://127.0.0.1:31654/s/1/lab?token=...',
    ].join('\n');
    expect(jupyterListeningAt(log)).toEqual(new Date(2026, 10, 23, 13, 31, 41, 943));
  });

  it('is null when Jupyter never said so', () => {
    expect(jupyterListeningAt('[I 2026-11-23 13:31:41.942 ServerApp] starting\n')).toBeNull();
  });
});

describe('runCsvRow', () => {
  it('writes one column per RUN_COLUMNS, empty for what was not seen', () => {
    const row = runCsvRow(new Date('2026-11-23T10:00:00Z'), 'sluice', 3, '17', { created: 20.4, spawned: 180, listening: null, running: 1200.6, http200: 1250, stop: 800 }, 61);
    expect(row).toBe('2026-11-23T10:00:00.000Z,sluice,3,17,20,180,,1201,1250,800,61');
    expect(row.split(',')).toHaveLength(RUN_COLUMNS.length);
  });
});
