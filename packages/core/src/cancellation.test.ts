import { describe, expect, it } from 'vitest';
import {
  Cancellation,
  cancelReasonOf,
  isCancelled,
  watchCancellation,
  whenCancelled,
} from './cancellation.js';
import { extraFor, withSignalSource } from './context.js';
import { createTestContext } from './testing/index.js';

// Counts the AbortControllers made while `run` runs.
function controllersMadeBy(run: () => void): number {
  let made = 0;
  const Original = globalThis.AbortController;
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      made++;
    }
  };
  try {
    run();
  } finally {
    globalThis.AbortController = Original;
  }
  return made;
}

describe('whenCancelled', () => {
  it('calls every waiting callback once when the signal aborts, in the order they were added', () => {
    const controller = new AbortController();
    const called: string[] = [];
    whenCancelled(controller.signal, () => called.push('a'));
    whenCancelled(controller.signal, () => called.push('b'));
    controller.abort();
    controller.abort();
    expect(called).toEqual(['a', 'b']);
  });

  it('does not call a callback whose waiter stopped waiting', () => {
    const controller = new AbortController();
    const called: string[] = [];
    const stop = whenCancelled(controller.signal, () => called.push('gone'));
    whenCancelled(controller.signal, () => called.push('kept'));
    stop();
    controller.abort();
    expect(called).toEqual(['kept']);
  });

  // Every order of leaving: head, middle, tail, twice, and after the abort; what is left fires in order.
  it('keeps the waiters that did not leave, in order, whichever ones left and however often', () => {
    for (const leaving of [[0], [2], [4], [1, 3], [0, 4], [0, 1, 2, 3, 4], [2, 2]]) {
      for (const source of ['signal', 'cancellation'] as const) {
        const controller = new AbortController();
        const cancellation = new Cancellation();
        const heard: number[] = [];
        const stops = [0, 1, 2, 3, 4].map((n) =>
          source === 'signal'
            ? whenCancelled(controller.signal, () => heard.push(n))
            : cancellation.onAbort(() => heard.push(n)),
        );
        for (const n of leaving) stops[n]?.();
        if (source === 'signal') controller.abort();
        else cancellation.abort('stop');
        // Leaving after the abort changes nothing, and nothing fires twice.
        for (const stop of stops) stop();
        if (source === 'signal') controller.signal.dispatchEvent(new Event('abort'));
        expect(heard, `${source}, leaving ${leaving.join(',')}`).toEqual(
          [0, 1, 2, 3, 4].filter((n) => !leaving.includes(n)),
        );
      }
    }
  });

  it('adds one abort listener to a signal however many callbacks wait on it', () => {
    const controller = new AbortController();
    let added = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = (...args: Parameters<typeof add>) => {
      added++;
      add(...args);
    };
    for (let i = 0; i < 5; i++) whenCancelled(controller.signal, () => undefined)();
    whenCancelled(controller.signal, () => undefined);
    expect(added).toBe(1);
  });

  it('runs the other callbacks when one throws, and reports the throw as uncaught', async () => {
    const controller = new AbortController();
    const called: string[] = [];
    const reported = new Promise<unknown>((resolve) => {
      const listener = (error: unknown): void => {
        process.off('uncaughtException', listener);
        resolve(error);
      };
      process.on('uncaughtException', listener);
    });
    const boom = new Error('boom');
    whenCancelled(controller.signal, () => {
      throw boom;
    });
    whenCancelled(controller.signal, () => called.push('after'));
    controller.abort();
    expect(called).toEqual(['after']);
    expect(await reported).toBe(boom);
  });
});

describe('Cancellation', () => {
  it('makes no AbortController until the signal is read, and hands a late reader an aborted one', () => {
    let cancellation: Cancellation | undefined;
    const made = controllersMadeBy(() => {
      cancellation = new Cancellation();
      cancellation.abort('gone');
    });
    expect(made).toBe(0);
    const signal = cancellation?.signal();
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe('gone');
  });

  it('aborts a signal already read, and calls its waiters once', () => {
    const cancellation = new Cancellation();
    const signal = cancellation.signal();
    const called: string[] = [];
    cancellation.onAbort(() => called.push('a'));
    const stop = cancellation.onAbort(() => called.push('stopped'));
    stop();
    cancellation.abort('first');
    cancellation.abort('second');
    expect(signal.reason).toBe('first');
    expect(called).toEqual(['a']);
  });
});

describe('watchCancellation, isCancelled and cancelReasonOf', () => {
  it('watch a signal a layer above made lazily without making it', () => {
    const cancellation = new Cancellation();
    const below = createTestContext().with({ signal: cancellation.signal }).with({ args: {} });
    const heard: unknown[] = [];
    const made = controllersMadeBy(() => {
      watchCancellation(below, () => heard.push(cancelReasonOf(below)));
      expect(isCancelled(below)).toBe(false);
      cancellation.abort('deadline');
    });
    expect(made).toBe(0);
    expect(heard).toEqual(['deadline']);
    expect(isCancelled(below)).toBe(true);
  });

  it('watch a real signal through the shared listener', () => {
    const request = new AbortController();
    const ctx = createTestContext({ signal: request.signal });
    const heard: unknown[] = [];
    watchCancellation(ctx, () => heard.push(cancelReasonOf(ctx)));
    request.abort('client');
    expect(heard).toEqual(['client']);
  });

  it('answer undefined and never call back when the signal has aborted already', () => {
    const cancellation = new Cancellation();
    cancellation.abort('early');
    const ctx = createTestContext().with({ signal: cancellation.signal });
    const callback = (): void => {
      throw new Error('must not be called');
    };
    expect(watchCancellation(ctx, callback)).toBeUndefined();
    expect(watchCancellation(createTestContext({ signal: AbortSignal.abort() }), callback)).toBeUndefined();
  });
});

describe('withSignalSource', () => {
  it('makes no AbortController until the signal is read, and one signal for every context derived', () => {
    const cancellation = new Cancellation();
    const ctx = createTestContext();
    let below = ctx;
    const made = controllersMadeBy(() => {
      below = withSignalSource(ctx, cancellation);
      below.with({ args: {} });
      expect(isCancelled(below)).toBe(false);
    });
    expect(made).toBe(0);
    const derived = below.with({ args: {} });
    expect(derived.signal).toBe(below.signal);
    expect(extraFor(derived).signal).toBe(below.signal);
  });

  it('is watched as its source, and hands a reader after the abort an aborted signal', () => {
    const cancellation = new Cancellation();
    const below = withSignalSource(createTestContext(), cancellation).with({ args: {} });
    const heard: unknown[] = [];
    const made = controllersMadeBy(() => {
      watchCancellation(below, () => heard.push(cancelReasonOf(below)));
      cancellation.abort('deadline');
    });
    expect(made).toBe(0);
    expect(heard).toEqual(['deadline']);
    expect(below.signal.aborted).toBe(true);
    expect(below.signal.reason).toBe('deadline');
    expect(watchCancellation(below, () => heard.push('late'))).toBeUndefined();
  });

  it('aborts a signal a handler already holds at once', () => {
    const request = new AbortController();
    const cancellation = new Cancellation();
    cancellation.onAbort(() => undefined);
    const ctx = createTestContext({ signal: request.signal });
    const held = extraFor(withSignalSource(ctx, cancellation)).signal;
    expect(held).not.toBe(request.signal);
    cancellation.abort('gone');
    expect(held.aborted).toBe(true);
    expect(ctx.signal.aborted).toBe(false);
  });
});
