import { LaunchSpec } from '@sluice/contracts';
import { describe, expect, it } from 'vitest';
import { launchSpecFor } from '../src/applier';

const job = (template: string | null, kind = 'session', image: string | null = null) => ({
  id: 7,
  kind,
  template,
  command: 'terminal',
  image,
  timeLimitMinutes: 60,
  sessionToken: 'a'.repeat(48),
  cpus: null,
  memoryMiB: null,
  user: { username: 'alice', unixUser: null },
});

describe('launch spec of a session', () => {
  it('tells the agent which template to start, under the portal path, with the token', () => {
    const spec = LaunchSpec.parse(launchSpecFor(job('terminal'), ['GPU-1']));
    expect(spec.session).toEqual({ template: 'terminal', baseUrl: '/s/7/', token: 'a'.repeat(48) });
    expect(launchSpecFor(job('jupyter'), []).session?.template).toBe('jupyter');
  });

  it('starts Jupyter for sessions recorded before templates existed', () => {
    expect(launchSpecFor(job(null), []).session?.template).toBe('jupyter');
  });
});

describe('launch spec of a container job', () => {
  it('names the image of a batch job, and never one for a session', () => {
    expect(LaunchSpec.parse(launchSpecFor(job(null, 'batch', 'localhost/pytorch:24.01'), ['GPU-1'])).image).toBe('localhost/pytorch:24.01');
    expect(launchSpecFor(job(null, 'batch'), []).image).toBeUndefined();
    expect(launchSpecFor(job('jupyter', 'session', 'localhost/pytorch:24.01'), []).image).toBeUndefined();
  });
});
