/** The portal's view of the scheduler daemon: poke it after a change, ask if it is up. */
export interface SchedulerClient {
  poke(): void;
  isUp(): Promise<boolean>;
}

export function schedulerClient(baseUrl: string, secret: string): SchedulerClient {
  return {
    poke() {
      fetch(`${baseUrl}/internal/poke`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, signal: AbortSignal.timeout(2000) }).catch(
        () => undefined, // the next regular cycle picks the change up anyway
      );
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
