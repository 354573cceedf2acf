import { describe, expect, it } from 'vitest';
import type { ReplayRecord } from './csv';
import { overdue } from './runner';

const record = (startedAt: string | null, timeLimitMinutes: number): ReplayRecord => ({
  plan: { traceId: '1', user: 'u', group: 'g', gpus: 1, at: 0, seconds: 30, command: 'sleep 30', timeLimitMinutes, name: 'replay-1' },
  sluiceId: '9',
  sentAt: 0,
  error: null,
  view: { state: 'RUNNING', submittedAt: '2026-01-01T00:00:00.000Z', startedAt, endedAt: null, node: 'node1', preemptCount: 0 },
});

describe('overdue', () => {
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  it('counts a job as lost only two minutes after its time limit', () => {
    const r = record('2026-01-01T00:00:00.000Z', 2);
    expect(overdue(r, start + 4 * 60_000)).toBe(false);
    expect(overdue(r, start + 4 * 60_000 + 1)).toBe(true);
  });
  it('never counts a job that has not started', () => {
    expect(overdue(record(null, 1), start + 3_600_000)).toBe(false);
  });
});
