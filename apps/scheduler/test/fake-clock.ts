import type { Clock } from '../src/clock';

/** A clock that moves only when told; timers are recorded, never fired by themselves. */
export class FakeClock implements Clock {
  constructor(private t = Date.UTC(2026, 10, 23, 9, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  setTimer(): () => void {
    return () => undefined;
  }
}
