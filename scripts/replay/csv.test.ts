import { describe, expect, it } from 'vitest';
import { ETA_HEADER, etaRow, type ReplayRecord, resultsCsv } from './csv';
import type { PlannedJob } from './plan';

const origin = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (s: number) => new Date(origin + s * 1000).toISOString();
const plan = (traceId: string, at: number): PlannedJob => ({
  traceId,
  user: 'u1',
  group: 'g1',
  gpus: 2,
  at,
  seconds: 5,
  command: 'sleep 5',
  timeLimitMinutes: 1,
  name: `replay-${traceId}`,
});

describe('replay CSV output', () => {
  it('writes the metrics.mjs columns in seconds from the origin, then the extras', () => {
    const records: ReplayRecord[] = [
      {
        plan: plan('7', 1.5),
        sluiceId: '42',
        sentAt: 1.504,
        error: null,
        view: { state: 'COMPLETED', submittedAt: iso(1.512), startedAt: iso(3.25), endedAt: iso(8.301), node: 'node2', preemptCount: 0 },
      },
      { plan: plan('8', 2), sluiceId: '43', sentAt: 2, error: null, view: { state: 'PENDING', submittedAt: iso(2.01), startedAt: null, endedAt: null, node: null, preemptCount: 0 } },
      { plan: plan('9', 3), sluiceId: null, sentAt: 3.1, error: '400: gpus: too many', view: null },
    ];
    expect(resultsCsv(records, origin).split('\n')).toEqual([
      'job_id,user,group,gpus,submit,start,end,sluice_id,state,node,preemptions,t_submit_client,lateness',
      '7,u1,g1,2,1.512,3.25,8.301,42,COMPLETED,node2,0,1.504,0.004',
      '8,u1,g1,2,2.01,,,43,PENDING,,0,2,0',
      '9,u1,g1,2,,,,,NOT_SUBMITTED,,,3.1,0.1',
      '',
    ]);
  });

  it('writes a start-time sample, empty when there is no estimate', () => {
    expect(ETA_HEADER).toBe('t_sample,job_id,predicted_start');
    expect(etaRow(10.0004, '7', iso(65.5), origin)).toBe('10,7,65.5');
    expect(etaRow(10, '8', null, origin)).toBe('10,8,');
  });
});
