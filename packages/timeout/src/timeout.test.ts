import { getEventListeners } from 'node:events';
import {
  ConfigError,
  MiddlewareError,
  createToolRunner,
  isMiddlewareError,
  type CallToolResult,
  type Middleware,
  type Next,
  type ToolContext,
} from '@mcp-middleware/core';
import { extraFor } from '@mcp-middleware/core/helpers';
import {
  createTestContext,
  manualClock,
  rejectionOf,
  stubHandler,
  textResult,
  hostileValues,
} from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { timeout } from './timeout.js';

const never = (): Promise<CallToolResult> => new Promise<CallToolResult>(() => undefined);

function setup(timeoutMs = 1000) {
  const clock = manualClock();
  const request = new AbortController();
  const ctx = createTestContext({ clock, signal: request.signal, tool: { name: 'search' } });
  return { clock, request, ctx, middleware: timeout({ timeoutMs }) };
}

describe('timeout()', () => {
  it('is a middleware named timeout, so stack traces name it', () => {
    expect(timeout().name).toBe('timeout');
  });

  it('passes the answer through and leaves no timer behind, nor a listener per call', async () => {
    const { clock, request, ctx, middleware } = setup();
    for (let i = 0; i < 3; i++) {
      const result = await middleware(
        ctx,
        stubHandler(() => textResult('fine')),
      );
      expect(result).toEqual(textResult('fine'));
    }
    expect(clock.pending).toBe(0);
    // core's one shared cancellation listener may stay on the request's signal; nothing more.
    expect(getEventListeners(request.signal, 'abort').length).toBeLessThanOrEqual(1);
  });

  it('hands the layers below a new signal that aborts at the deadline with the TIMEOUT error', async () => {
    const { clock, request, ctx, middleware } = setup(1000);
    const handler = stubHandler(never);
    const call = rejectionOf(middleware(ctx, handler));
    await clock.advance(999);
    const seen = handler.calls[0]!.signal;
    expect(seen).not.toBe(request.signal);
    expect(seen.aborted).toBe(false);
    await clock.advance(1);
    expect(seen.aborted).toBe(true);
    expect(isMiddlewareError(seen.reason, 'TIMEOUT')).toBe(true);
    expect(await call).toBe(seen.reason);
  });

  it('rejects with a retryable TIMEOUT at the deadline even when the handler ignores its signal', async () => {
    const { clock, ctx, middleware } = setup(250);
    const call = rejectionOf(middleware(ctx, stubHandler(never)));
    await clock.advance(250);
    const error = await call;
    expect(isMiddlewareError(error, 'TIMEOUT')).toBe(true);
    expect(error).toMatchObject({ retryable: true, data: { timeoutMs: 250 } });
    expect((error as Error).message).toContain('`search` did not answer within 250 ms');
  });

  it('publishes a timeout event and a TIMEOUT reject event at the deadline', async () => {
    const { clock, ctx, middleware } = setup(100);
    const call = rejectionOf(middleware(ctx, stubHandler(never)));
    await clock.advance(100);
    await call;
    expect(ctx.events).toEqual([
      { type: 'timeout', timeoutMs: 100 },
      { type: 'reject', code: 'TIMEOUT', source: 'timeout' },
    ]);
  });

  it('calls onTimeout at the deadline with the context and the limit', async () => {
    const clock = manualClock();
    const ctx = createTestContext({ clock });
    const seen: number[] = [];
    const middleware = timeout({ timeoutMs: 10, onTimeout: (info) => seen.push(info.timeoutMs) });
    const call = rejectionOf(middleware(ctx, stubHandler(never)));
    await clock.advance(10);
    await call;
    expect(seen).toEqual([10]);
  });

  it('still rejects with TIMEOUT when onTimeout throws, and reports the hook as a warning', async () => {
    const clock = manualClock();
    const ctx = createTestContext({ clock });
    const middleware = timeout({
      timeoutMs: 10,
      onTimeout: () => {
        throw new Error('hook failed');
      },
    });
    const call = rejectionOf(middleware(ctx, stubHandler(never)));
    await clock.advance(10);
    expect(isMiddlewareError(await call, 'TIMEOUT')).toBe(true);
    expect(ctx.events).toContainEqual(expect.objectContaining({ type: 'warning', source: 'timeout' }));
  });

  it('aborts the signal below and rejects with CANCELLED as soon as the client cancels', async () => {
    const { clock, request, ctx, middleware } = setup(1000);
    const handler = stubHandler(never);
    const call = rejectionOf(middleware(ctx, handler));
    await clock.advance(1);
    request.abort(new Error('client went away'));
    const error = await call;
    expect(isMiddlewareError(error, 'CANCELLED')).toBe(true);
    expect(handler.calls[0]!.signal.aborted).toBe(true);
    expect(handler.calls[0]!.signal.reason).toBe(error);
    expect(clock.pending).toBe(0);
  });

  it('passes on the TIMEOUT of a deadline above (its abort reason) instead of calling it a client cancel', async () => {
    const { clock, request, ctx, middleware } = setup(1000);
    const handler = stubHandler(never);
    const call = rejectionOf(middleware(ctx, handler));
    await clock.advance(1);
    const overall = new MiddlewareError('TIMEOUT', 'the overall deadline passed');
    request.abort(overall);
    expect(await call).toBe(overall);
    expect(handler.calls[0]!.signal.reason).toBe(overall);
    expect(clock.pending).toBe(0);
  });

  it.each(hostileValues())(
    'rejects with TIMEOUT and warns when onTimeout throws or rejects %s, leaving nothing unhandled',
    async (_name, value) => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on('unhandledRejection', onUnhandled);
      try {
        for (const hook of [
          () => {
            throw value();
          },
          // An async hook: its promise rejects.
          (() => Promise.reject(value())) as unknown as () => void,
        ]) {
          const clock = manualClock();
          const ctx = createTestContext({ clock });
          const call = rejectionOf(timeout({ timeoutMs: 10, onTimeout: hook })(ctx, stubHandler(never)));
          await clock.advance(10);
          expect(isMiddlewareError(await call, 'TIMEOUT')).toBe(true);
          await new Promise<void>((resolve) => setImmediate(resolve));
          expect(ctx.events).toContainEqual(expect.objectContaining({ type: 'warning', source: 'timeout' }));
        }
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    },
  );

  it('rejects with CANCELLED without calling the handler when the request is already cancelled', async () => {
    const { request, ctx, middleware } = setup();
    request.abort();
    const handler = stubHandler();
    expect(isMiddlewareError(await rejectionOf(middleware(ctx, handler)), 'CANCELLED')).toBe(true);
    expect(handler.calls).toHaveLength(0);
  });

  it('passes a handler failure through unchanged and clears its timer', async () => {
    const { clock, request, ctx, middleware } = setup();
    const failure = new Error('upstream down');
    const error = await rejectionOf(
      middleware(
        ctx,
        stubHandler(() => {
          throw failure;
        }),
      ),
    );
    expect(error).toBe(failure);
    expect(clock.pending).toBe(0);
    expect(getEventListeners(request.signal, 'abort').length).toBeLessThanOrEqual(1);
  });

  it('drops an answer that arrives after the deadline without an unhandled rejection', async () => {
    const { clock, ctx, middleware } = setup(10);
    let fail: (error: Error) => void = () => undefined;
    const late = new Promise<CallToolResult>((_, reject) => {
      fail = reject;
    });
    const call = rejectionOf(middleware(ctx, () => late));
    await clock.advance(10);
    fail(new Error('too late'));
    expect(isMiddlewareError(await call, 'TIMEOUT')).toBe(true);
  });

  it('answers and leaves no timer when the handler throws synchronously (the runner makes it a rejection)', async () => {
    const clock = manualClock();
    const runner = createToolRunner([timeout({ timeoutMs: 1000 })], { clock, debug: false });
    const result = await runner.run({ name: 'search' }, {}, createTestContext().extra, () => {
      throw new Error('sync throw');
    });
    expect(result.isError).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it.each([0, -5, 1.5, Number.NaN, 2 ** 31, '1000'])(
    'rejects timeoutMs %s with a ConfigError naming the range',
    (value) => {
      expect(() => timeout({ timeoutMs: value as number })).toThrow(ConfigError);
      expect(() => timeout({ timeoutMs: value as number })).toThrow(
        /timeoutMs must be an integer from 1 to 2147483647/,
      );
    },
  );

  it('rejects an unknown option with a did-you-mean', () => {
    expect(() => timeout({ timeout: 5 } as never)).toThrow(
      /unknown option timeout \(did you mean timeoutMs\?\)/,
    );
  });

  it('rejects an onTimeout that is not a function', () => {
    expect(() => timeout({ onTimeout: 'log' as never })).toThrow(/onTimeout must be a function/);
  });
});

// Every shape a timeout can sit in through the real runner: alone, nested, and under a layer that derives
// its own context or reads the signal before the timeout makes its own.
describe('timeout() through the runner: the handler’s own signal', () => {
  const deriving = (ctx: ToolContext, next: Next): Promise<CallToolResult> => next(ctx.with({ args: {} }));
  const reading = (ctx: ToolContext, next: Next): Promise<CallToolResult> => {
    void ctx.signal.aborted;
    return next(ctx);
  };
  const shapes: [string, () => Middleware[]][] = [
    ['alone', () => [timeout({ timeoutMs: 1000 })]],
    ['nested', () => [timeout({ timeoutMs: 5000 }), timeout({ timeoutMs: 1000 })]],
    ['below a deriving layer', () => [deriving, timeout({ timeoutMs: 1000 })]],
    ['above a deriving layer', () => [timeout({ timeoutMs: 1000 }), deriving]],
    ['above a layer that reads the signal', () => [timeout({ timeoutMs: 1000 }), reading]],
  ];

  function start(pipeline: Middleware[]) {
    const clock = manualClock();
    const request = new AbortController();
    const seen: AbortSignal[] = [];
    const run = createToolRunner(pipeline, { clock }).bind({ name: 'search' }, (ctx) => {
      seen.push(extraFor(ctx).signal, ctx.signal);
      return never();
    });
    const call = run({}, { signal: request.signal, requestId: 1, sendNotification, sendRequest });
    return { clock, request, seen, call };
  }

  it.each(shapes)('aborts it at once when the client cancels (%s)', async (_name, pipeline) => {
    const { clock, request, seen, call } = start(pipeline());
    await clock.advance(1);
    expect(seen).toHaveLength(2);
    request.abort(new Error('client went away'));
    // Synchronously: no microtask has run since the abort.
    for (const signal of seen) {
      expect(signal.aborted).toBe(true);
      expect(isMiddlewareError(signal.reason, 'CANCELLED')).toBe(true);
    }
    expect((await call).isError).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it.each(shapes)('aborts it exactly at the innermost deadline (%s)', async (_name, pipeline) => {
    const { clock, seen, call } = start(pipeline());
    await clock.advance(999);
    expect(seen.map((signal) => signal.aborted)).toEqual([false, false]);
    await clock.advance(1);
    for (const signal of seen) expect(isMiddlewareError(signal.reason, 'TIMEOUT')).toBe(true);
    expect(JSON.stringify(await call)).toContain('TIMEOUT');
    expect(clock.pending).toBe(0);
  });
});

const sendNotification = (): Promise<void> => Promise.resolve();
const sendRequest = (): Promise<never> => Promise.reject(new Error('no requests in this test'));
