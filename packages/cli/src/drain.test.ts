import { describe, expect, it } from 'vitest';
import { manualClock } from '@mcp-middleware/core/testing';
import { CallTracker } from './drain.js';

describe('CallTracker', () => {
  it('resolves at once when nothing is in flight', async () => {
    await expect(new CallTracker(manualClock()).drained(1000)).resolves.toBe(true);
  });

  it('resolves true when the last call leaves before the deadline', async () => {
    const clock = manualClock();
    const calls = new CallTracker(clock);
    calls.enter();
    calls.enter();
    const drained = calls.drained(1000);
    calls.leave();
    await clock.advance(999);
    calls.leave();
    await expect(drained).resolves.toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('resolves false when the deadline passes with a call still in flight', async () => {
    const clock = manualClock();
    const calls = new CallTracker(clock);
    calls.enter();
    const drained = calls.drained(1000);
    await clock.advance(1000);
    await expect(drained).resolves.toBe(false);
    expect(calls.inFlight).toBe(1);
  });

  it('brings the deadline forward, and ignores a later one', async () => {
    const clock = manualClock();
    const calls = new CallTracker(clock);
    calls.enter();
    let result: boolean | undefined;
    void calls.drained(10_000).then((drained) => (result = drained));
    calls.shorten(50_000);
    calls.shorten(100);
    await clock.advance(100);
    expect(result).toBe(false);
  });
});
