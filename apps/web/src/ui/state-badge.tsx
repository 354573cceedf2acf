/** A colored pill naming a job, session or node state; the text is the exact state. */
const TONE: Record<string, string> = {
  PENDING: 'pending',
  STARTING: 'starting',
  RUNNING: 'running',
  COMPLETED: 'ok',
  FAILED: 'bad',
  NODE_FAIL: 'bad',
  TIMEOUT: 'warn',
  PREEMPTED: 'warn',
  CANCELLED: 'muted',
  STOPPING: 'starting',
  STOPPED: 'muted',
  UP: 'ok',
  DOWN: 'bad',
  DRAIN: 'warn',
};

export function StateBadge({ state, testId }: { state: string; testId?: string }) {
  return (
    <span className={`badge badge-${TONE[state] ?? 'muted'}`} data-testid={testId}>
      {state}
    </span>
  );
}
