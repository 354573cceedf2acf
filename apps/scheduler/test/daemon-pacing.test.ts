import { createTestDb } from '@sluice/db/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock';
import { PORTAL_GATHER_MS, SchedulerDaemon } from '../src/daemon';
import { RecordingSender } from './harness';

/** A fake clock whose timers fire when time is advanced past them. */
class TimerClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }
  /** Moves to `to`, firing due timers in order, and lets what they started finish. */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      const next = this.timers.filter((x) => x.live && x.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      next.live = false;
      next.fn();
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    }
    this.t = to;
  }
}

let t: Awaited<ReturnType<typeof createTestDb>>;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.cleanup();
});

describe('SchedulerDaemon pacing', () => {
  it('runs a cycle at once when idle, one cycle for pokes that come soon after a cycle, and keeps its cadence otherwise', async () => {
    const clock = new TimerClock();
    const daemon = new SchedulerDaemon({ db: t.db, log: pino({ level: 'silent' }), clock, gateway: new RecordingSender(), cycleMs: 1000, nodeTimeoutMs: 60_000, stopGraceSec: 5 });
    const runs: number[] = [];
    const runOnce = daemon.runOnce.bind(daemon);
    daemon.runOnce = async () => {
      runs.push(clock.now());
      // An event during the third cycle: another one follows it, after the short gather.
      if (runs.length === 3) daemon.poke();
      await runOnce();
    };
    try {
      // Idle: the first poke's cycle runs at once.
      daemon.poke();
      await clock.advanceTo(0);
      expect(runs).toEqual([0]);
      // Pokes soon after a cycle are gathered into one, 25 ms after it.
      await clock.advanceTo(5);
      daemon.poke();
      await clock.advanceTo(20);
      daemon.poke();
      await clock.advanceTo(24);
      expect(runs).toEqual([0]);
      await clock.advanceTo(25);
      expect(runs).toEqual([0, 25]);
      // Nothing pending: the next cycle is the cadence's...
      await clock.advanceTo(500);
      expect(runs).toEqual([0, 25]);
      // ...unless poked: a poke never puts off a cycle due sooner, and brings a later one forward.
      daemon.poke();
      await clock.advanceTo(500);
      expect(runs).toEqual([0, 25, 500]);
      await clock.advanceTo(524);
      expect(runs).toEqual([0, 25, 500]);
      await clock.advanceTo(525);
      expect(runs).toEqual([0, 25, 500, 525]);
      await clock.advanceTo(1524);
      expect(runs).toEqual([0, 25, 500, 525]);
      await clock.advanceTo(1525);
      expect(runs).toEqual([0, 25, 500, 525, 1525]);
    } finally {
      daemon.stop();
    }
  });

  it('gathers the portal\'s changes for longer than agents\' reports, and runs either at once when idle', async () => {
    const clock = new TimerClock();
    const failures: unknown[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void failures.push(line) });
    const daemon = new SchedulerDaemon({ db: t.db, log, clock, gateway: new RecordingSender(), cycleMs: 10_000, nodeTimeoutMs: 60_000, stopGraceSec: 5 });
    const runs: number[] = [];
    let cycle: Promise<void> = Promise.resolve();
    const runOnce = daemon.runOnce.bind(daemon);
    daemon.runOnce = () => {
      runs.push(clock.now());
      cycle = runOnce();
      return cycle;
    };
    /** Advances the clock, then waits for a cycle it started to end (on a busy machine it may take a while). */
    const advance = async (to: number) => {
      await clock.advanceTo(to);
      await cycle;
    };
    try {
      // Idle: a submission's cycle runs at once.
      daemon.poke(PORTAL_GATHER_MS);
      await advance(0);
      expect(runs).toEqual([0]);
      // A burst of submissions right after it: one cycle, PORTAL_GATHER_MS after the last.
      for (const at of [1, 30, 60, 90]) {
        await advance(at);
        daemon.poke(PORTAL_GATHER_MS);
      }
      await advance(99);
      expect(runs).toEqual([0]);
      await advance(100);
      expect(runs).toEqual([0, 100]);
      // Submissions go on; then an agent reports GPUs free: the cycle comes forward to GATHER_MS.
      await advance(110);
      daemon.poke(PORTAL_GATHER_MS);
      await advance(115);
      daemon.poke();
      await advance(124);
      expect(runs).toEqual([0, 100]);
      await advance(125);
      expect(runs).toEqual([0, 100, 125]);
      await advance(5000);
      expect(runs).toEqual([0, 100, 125]);
      expect(failures).toEqual([]);
    } finally {
      daemon.stop();
    }
  });
});
