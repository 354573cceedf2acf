/** The portal's view of the scheduler daemon: poke it after a change, ask if it is up. */
export interface SchedulerClient {
  poke(): void;
  isUp(): Promise<boolean>;
}

export function schedulerClient(baseUrl: string, secret: string): SchedulerClient {
  // One poke in flight at a time; pokes meanwhile become one more after it (a burst of submissions is two requests).
  let inFlight = false;
  let again = false;
  const send = () => {
    inFlight = true;
    fetch(`${baseUrl}/internal/poke`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, signal: AbortSignal.timeout(2000) })
      .then((r) => r.arrayBuffer())
      .catch(() => undefined) // the next regular cycle picks the change up anyway
      .finally(() => {
        inFlight = false;
        if (again) {
          again = false;
          send();
        }
      });
  };
  return {
    poke() {
      if (inFlight) again = true;
      else send();
    },
    async isUp() {
      try {
        const r = await fetch(`${baseUrl}/internal/health`, { signal: AbortSignal.timeout(1000) });
        return r.ok;
      } catch {
        return false;
      }
    },
  };
}
