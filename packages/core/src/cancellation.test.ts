import { describe, expect, it } from 'vitest';
import { whenCancelled } from './cancellation.js';

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
