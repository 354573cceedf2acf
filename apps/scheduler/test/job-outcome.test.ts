import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../src/job-lifecycle';

describe('how a job ends', () => {
  it('takes the reason the agent gives', () => {
    expect(outcomeOf({ cause: 'launch-failed', exitCode: null, signal: null, reason: 'NoUnixAccount' }, null)).toEqual({ state: 'FAILED', reason: 'NoUnixAccount' });
    expect(outcomeOf({ cause: 'exit', exitCode: null, signal: 'SIGKILL', reason: 'OutOfMemory' }, null)).toEqual({ state: 'FAILED', reason: 'OutOfMemory' });
    expect(outcomeOf({ cause: 'exit', exitCode: 137, signal: null, reason: 'OutOfMemory' }, null)).toEqual({ state: 'FAILED', reason: 'OutOfMemory' });
  });

  it('falls back to what the exit says', () => {
    expect(outcomeOf({ cause: 'launch-failed', exitCode: null, signal: null }, null)).toEqual({ state: 'FAILED', reason: 'LaunchFailed' });
    expect(outcomeOf({ cause: 'exit', exitCode: null, signal: 'SIGKILL' }, null)).toEqual({ state: 'FAILED', reason: 'Signal' });
    expect(outcomeOf({ cause: 'exit', exitCode: 0, signal: null }, null)).toEqual({ state: 'COMPLETED', reason: null });
  });

  it('a stop asked for wins over what the process died of', () => {
    expect(outcomeOf({ cause: 'stopped', exitCode: null, signal: 'SIGKILL', reason: 'OutOfMemory' }, 'TimeLimit')).toEqual({ state: 'TIMEOUT', reason: 'TimeLimit' });
  });

  it('a job its node stopped as the node shut down is lost with the node (requeued where it allows), unless a stop was asked for', () => {
    expect(outcomeOf({ cause: 'stopped', exitCode: null, signal: 'SIGTERM', reason: 'NodeLost' }, null)).toEqual({ state: 'NODE_FAIL', reason: 'NodeLost' });
    expect(outcomeOf({ cause: 'stopped', exitCode: null, signal: 'SIGTERM', reason: 'NodeLost' }, 'Cancelled')).toEqual({ state: 'CANCELLED', reason: 'Cancelled' });
  });
});
