import { describe, expect, it } from 'vitest';
import { pathAtRoot } from '../src/server/proxy/session-proxy';
import { toSessionView } from '../src/server/services/sessions';
import { nodesSpanned } from '../src/ui/session-nodes';

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

  it("opens a Ray cluster's dashboard through the proxy and names its nodes, head first", () => {
    const allocations = [{ nodeName: 'n1' }, { nodeName: 'n2' }, { nodeName: 'n1' }, { nodeName: 'n2' }];
    expect(toSessionView({ ...row('ray'), allocations })).toMatchObject({ template: 'ray', url: '/s/12/', node: 'n1', nodes: ['n1', 'n2'] });
    expect(toSessionView({ ...row('jupyter'), allocations: [] }).nodes).toEqual(['n1']);
  });

  it('has nothing to open before the server answers, and reads sessions from before templates as Jupyter', () => {
    expect(toSessionView({ ...row('terminal', 'STARTING'), sessionPort: null }).url).toBeNull();
    expect(toSessionView(row(null)).template).toBe('jupyter');
  });
});

describe('Ray cluster sessions', () => {
  it('reach the dashboard at its root: the proxy takes the /s/<id> prefix off', () => {
    expect(pathAtRoot('/s/12/')).toBe('/');
    expect(pathAtRoot('/s/12')).toBe('/');
    expect(pathAtRoot('/s/12/api/jobs/?limit=5')).toBe('/api/jobs/?limit=5');
    expect(pathAtRoot('/s/12/static/js/main.js')).toBe('/static/js/main.js');
    expect(pathAtRoot('/s/12?x=1')).toBe('/?x=1');
  });

  it('span one node when one has the GPUs, else the fewest whole nodes, largest first', () => {
    expect(nodesSpanned(2, [2, 2, 2])).toBe(1);
    expect(nodesSpanned(4, [2, 2, 2])).toBe(2);
    expect(nodesSpanned(6, [2, 2, 2])).toBe(3);
    expect(nodesSpanned(7, [2, 2, 2])).toBeNull();
    expect(nodesSpanned(5, [2, 4, 1])).toBe(2);
    expect(nodesSpanned(0, [])).toBe(1);
  });
});
