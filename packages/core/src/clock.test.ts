import { describe, expect, it } from 'vitest';
import { sleep } from './clock.js';
import { manualClock } from './testing/index.js';

describe('manualClock', () => {
  it('fires timers in time order when advanced', async () => {
    const clock = manualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('a'), 10);
    await clock.advance(15);
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(15);
    await clock.advance(5);
    expect(fired).toEqual(['a', 'b']);
  });

  it('does not fire a cleared timer', async () => {
    const clock = manualClock(0);
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(handle);
    await clock.advance(100);
    expect(fired).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('runs timers scheduled by timers within the same advance', async () => {
    const clock = manualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 10);
    }, 10);
    await clock.advance(30);
    expect(fired).toEqual([10, 20]);
  });
});

describe('sleep', () => {
  it('resolves after the delay on the given clock', async () => {
    const clock = manualClock(0);
    let done = false;
    const pending = sleep(clock, 100).then(() => (done = true));
    await clock.advance(99);
    expect(done).toBe(false);
    await clock.advance(1);
    await pending;
    expect(done).toBe(true);
  });

  it('rejects with the abort reason and clears its timer when the signal aborts', async () => {
    const clock = manualClock(0);
    const controller = new AbortController();
    const pending = sleep(clock, 100, controller.signal);
    controller.abort(new Error('cancelled by client'));
    await expect(pending).rejects.toThrow('cancelled by client');
    expect(clock.pending).toBe(0);
  });

  it('rejects at once for an already aborted signal', async () => {
    await expect(sleep(manualClock(0), 10, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });
});
