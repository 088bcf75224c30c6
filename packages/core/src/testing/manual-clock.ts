/** A clock that moves only when a test says so: rate limits, TTLs, backoff and breakers without sleeping. */
import type { Clock, TimerHandle } from '../clock.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** A {@link Clock} driven by `advance()`. */
export interface ManualClock extends Clock {
  /** Moves time forward, firing due timers in order and letting promises settle between them. */
  advance(ms: number): Promise<void>;
  /** Moves to the next pending timer and fires it; false when none is pending. */
  runNext(): Promise<boolean>;
  /** Timers not yet fired. */
  readonly pending: number;
}

const flushPromises = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
};

/** Creates a manual clock starting at `startMs` (default 1 700 000 000 000). */
export function manualClock(startMs = 1_700_000_000_000): ManualClock {
  let now = startMs;
  let nextId = 1;
  let timers: Timer[] = [];

  const fireDue = async (until: number): Promise<void> => {
    for (;;) {
      await flushPromises();
      const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      timers = timers.filter((t) => t !== due);
      now = Math.max(now, due.at);
      due.callback();
    }
    now = Math.max(now, until);
    await flushPromises();
  };

  return {
    now: () => now,
    setTimeout(callback: () => void, ms: number): TimerHandle {
      const timer = { id: nextId++, at: now + Math.max(0, ms), callback };
      timers.push(timer);
      return timer.id;
    },
    clearTimeout(handle: TimerHandle): void {
      timers = timers.filter((t) => t.id !== handle);
    },
    advance: (ms) => fireDue(now + ms),
    async runNext(): Promise<boolean> {
      await flushPromises();
      const next = [...timers].sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (next === undefined) return false;
      await fireDue(next.at);
      return true;
    },
    get pending() {
      return timers.length;
    },
  };
}
