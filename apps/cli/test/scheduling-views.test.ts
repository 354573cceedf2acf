import type { JobView } from '@sluice/contracts';
import { describe, expect, it } from 'vitest';
import { fairshareText, jobShowText, queueText } from '../src/scheduling-views';

const pending: JobView = {
  id: '42',
  name: 'train',
  kind: 'batch',
  user: 'alice',
  state: 'PENDING',
  command: 'python train.py',
  image: null,
  gpus: 2,
  timeLimitMinutes: 90,
  exitCode: null,
  reason: 'Resources',
  reasonText: 'Not enough free GPUs right now; it starts when running jobs finish.',
  node: null,
  gpuUuids: [],
  submittedAt: '2026-11-20T10:00:00.000Z',
  startedAt: null,
  endedAt: null,
  account: 'lab-a',
  qos: 'batch',
  preemptCount: 0,
  borrowed: false,
  position: 3,
  positionInAccount: 1,
  estimatedStart: null,
  priority: {
    total: 12_345.6,
    base: 0,
    factors: { fairshare: 0.5, age: 0.1, jobSize: 1, qos: 0.25 },
    weights: { fairshare: 10_000, age: 2000, jobSize: 5000, qos: 20_000 },
    weighted: { fairshare: 5000, age: 200, jobSize: 5000, qos: 5000 },
  },
};

describe('CLI views', () => {
  it('job show explains a pending job: reason, position, unknown estimate, priority table', () => {
    const text = jobShowText(pending);
    expect(text).toMatch(/^Reason:\s+Resources: Not enough free GPUs/m);
    expect(text).toMatch(/^Position:\s+3 in the queue, 1 in account lab-a$/m);
    expect(text).toMatch(/^Est\. start:\s+unknown \(assumes running jobs use their whole time limit\)$/m);
    expect(text).toMatch(/^fairshare\s+0\.500\s+10000\s+5000$/m);
    expect(text).toMatch(/^total\s+-\s+-\s+12346$/m);
    expect(jobShowText({ ...pending, state: 'COMPLETED', exitCode: 0 })).not.toMatch(/Priority|Position/);
    expect(text).not.toMatch(/^Image:/m);
    expect(jobShowText({ ...pending, image: 'localhost/pytorch:24.01' })).toMatch(/^GPUs:.*\nImage:\s+localhost\/pytorch:24\.01$/m);
  });

  it('queue hides what the server hid and shows estimates', () => {
    const text = queueText([
      { id: '7', name: null, command: null, user: 'bob', account: 'lab-b', qos: 'batch', state: 'PENDING', gpus: 4, timeLimitMinutes: 60, reason: 'Priority', reasonText: 'x', position: 1, positionInAccount: 1, estimatedStart: '2026-11-20T13:00:00.000Z', priority: 9000.4, submittedAt: '2026-11-20T10:00:00.000Z', mine: false },
    ]);
    expect(text.split('\n')[0]).toMatch(/^POS\s+ID\s+NAME\s+USER\s+ACCOUNT\s+QOS\s+GPUS\s+PRIORITY\s+REASON\s+EST_START$/);
    expect(text).toMatch(/^1\s+7\s+\(hidden\)\s+bob\s+lab-b\s+batch\s+4\s+9000\s+Priority\s+2026-11-20 13:00:00$/m);
    expect(queueText([])).toBe('No pending jobs.');
  });

  it('fairshare prints the tree and the summaries', () => {
    const row = { account: 'lab-a', user: null, parent: null, depth: 1, rawShares: 2, normShares: 0.333, globalShares: 0.333, rawUsage: 10, normUsage: 0.61, effectiveUsage: 0.61, levelFairshare: 0.55, fairshareFactor: 0.25, allocatedGpus: 3, summary: 'lab-a has 2 of 6 shares.' };
    const text = fairshareText({ algorithm: 'fair-tree', halfLifeSec: 604_800, at: '2026-11-20T12:00:00.000Z', rows: [row, { ...row, user: 'alice', depth: 2, levelFairshare: null, summary: 'alice used nothing.' }] });
    expect(text).toMatch(/^Fair share \(fair-tree, usage half-life 7 days, as of 2026-11-20 12:00:00\)$/m);
    expect(text).toMatch(/^lab-a\s+2\s+33%\s+61%\s+0\.55\s+0\.250\s+3$/m);
    expect(text).toMatch(/^\s+alice\s+2\s+33%\s+61%\s+inf/m);
    expect(text).toMatch(/^- lab-a has 2 of 6 shares\.\n- alice used nothing\.$/m);
  });
});
