import { describe, expect, it } from 'vitest';
import { toSessionView } from '../src/server/services/sessions';

const row = (template: string | null, state = 'RUNNING') => ({
  id: 12,
  template,
  state,
  stopRequested: null,
  sessionPort: 4242,
  gpus: 1,
  nodeName: 'n1',
  reason: null,
  submittedAt: new Date('2026-01-01T00:00:00Z'),
  startedAt: new Date('2026-01-01T00:01:00Z'),
  timeLimitMinutes: 60,
  lastActivityAt: null,
  idleStopAt: null,
});

describe('session templates in the portal', () => {
  it('opens Jupyter through the proxy and a terminal on the portal page', () => {
    expect(toSessionView(row('jupyter'))).toMatchObject({ template: 'jupyter', url: '/s/12/' });
    expect(toSessionView(row('terminal'))).toMatchObject({ template: 'terminal', url: '/sessions/12/terminal' });
  });

  it('has nothing to open before the server answers, and reads sessions from before templates as Jupyter', () => {
    expect(toSessionView({ ...row('terminal', 'STARTING'), sessionPort: null }).url).toBeNull();
    expect(toSessionView(row(null)).template).toBe('jupyter');
  });
});
