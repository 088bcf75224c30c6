import { getEventListeners } from 'node:events';
import {
  ConfigError,
  MiddlewareError,
  isMiddlewareError,
  type CallToolResult,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { createTestContext, manualClock, stubHandler, textResult } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { retryBudget } from './budget.js';
import type { RetryOptions } from './options.js';
import { retry } from './retry.js';

const readOnly: Partial<ToolInfo> = { name: 'search', annotations: { readOnlyHint: true } };
const toolError: CallToolResult = { content: [{ type: 'text', text: 'no such file' }], isError: true };

/** A handler that throws `failures[i]` on call i + 1 and answers once they run out. */
function flaky(...failures: unknown[]) {
  return stubHandler((_ctx, call) => {
    if (call <= failures.length) throw failures[call - 1];
    return textResult(`ok after ${call}`);
  });
}

function setup(
  options: RetryOptions = {},
  tool: Partial<ToolInfo> = readOnly,
  extra: Partial<ToolExtra> = {},
) {
  const clock = manualClock();
  const request = new AbortController();
  const ctx = createTestContext({ clock, signal: request.signal, tool, extra });
  const middleware = retry({ backoff: () => 100, ...options });
  return { clock, request, ctx, middleware };
}

/** Runs the clock until `promise` settles; returns its outcome without throwing. */
async function drive<T>(clock: ReturnType<typeof manualClock>, promise: Promise<T>) {
  let outcome: { value?: T; error?: unknown } | undefined;
  void promise.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  for (let i = 0; outcome === undefined && i < 100; i++) {
    if (!(await clock.runNext())) await Promise.resolve();
  }
  return outcome ?? expect.fail('the call never settled');
}

describe('retry()', () => {
  it('is a middleware named retry, so stack traces name it', () => {
    expect(retry().name).toBe('retry');
  });

  it('retries a next() that throws synchronously as it retries one that rejects', async () => {
    const { clock, ctx, middleware } = setup();
    let calls = 0;
    const next = (): Promise<CallToolResult> => {
      calls++;
      if (calls === 1) throw new MiddlewareError('UPSTREAM_ERROR', 'reset', { retryable: true });
      return Promise.resolve(textResult('ok'));
    };
    expect(await drive(clock, middleware(ctx, next))).toEqual({ value: textResult('ok') });
    expect(calls).toBe(2);
  });

  it('returns a first-time answer untouched, with one call, no event and no timer', async () => {
    const { clock, ctx, middleware } = setup();
    const handler = stubHandler();
    expect(await middleware(ctx, handler)).toEqual(textResult('ok'));
    expect(handler.calls).toHaveLength(1);
    expect(ctx.events).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('heals a call whose first two attempts throw unknown errors', async () => {
    const { clock, ctx, middleware } = setup();
    const handler = flaky(new Error('reset'), new Error('reset'));
    const { value } = await drive(clock, middleware(ctx, handler));
    expect(value).toEqual(textResult('ok after 3'));
    expect(ctx.events).toEqual([
      { type: 'retry', attempt: 2, delayMs: 100, code: '_OTHER' },
      { type: 'retry', attempt: 3, delayMs: 100, code: '_OTHER' },
    ]);
  });

  it('retries a retryable MiddlewareError such as TIMEOUT', async () => {
    const { clock, ctx, middleware } = setup();
    const handler = flaky(new MiddlewareError('TIMEOUT', 'slow'));
    expect((await drive(clock, middleware(ctx, handler))).value).toEqual(textResult('ok after 2'));
    expect(ctx.events[0]).toMatchObject({ type: 'retry', code: 'TIMEOUT' });
  });

  it('never retries a MiddlewareError that is not retryable, even when shouldRetry says yes', async () => {
    const { clock, ctx, middleware } = setup({ shouldRetry: () => true });
    const rejection = new MiddlewareError('INVALID_ARGUMENTS', 'bad query');
    const handler = flaky(rejection);
    expect((await drive(clock, middleware(ctx, handler))).error).toBe(rejection);
    expect(handler.calls).toHaveLength(1);
    expect(ctx.events).toEqual([]);
  });

  it('does not retry an isError answer from the tool by default', async () => {
    const { ctx, middleware } = setup();
    const handler = stubHandler(() => toolError);
    expect(await middleware(ctx, handler)).toBe(toolError);
    expect(handler.calls).toHaveLength(1);
  });

  it('retries an isError answer when shouldRetry says so', async () => {
    const { clock, ctx, middleware } = setup({ shouldRetry: (outcome) => outcome.kind === 'tool_error' });
    const handler = stubHandler((_ctx, call) => (call === 1 ? toolError : textResult('found')));
    expect((await drive(clock, middleware(ctx, handler))).value).toEqual(textResult('found'));
    expect(ctx.events[0]).toMatchObject({ type: 'retry', code: 'tool_error' });
  });

  it('does not retry a tool whose annotations claim neither readOnlyHint nor idempotentHint', async () => {
    const { clock, ctx, middleware } = setup(
      {},
      { name: 'send_email', annotations: { destructiveHint: true } },
    );
    const failure = new Error('smtp reset');
    const handler = flaky(failure);
    expect((await drive(clock, middleware(ctx, handler))).error).toBe(failure);
    expect(handler.calls).toHaveLength(1);
  });

  it('retries a tool with idempotentHint true', async () => {
    const { clock, ctx, middleware } = setup({}, { name: 'put', annotations: { idempotentHint: true } });
    expect((await drive(clock, middleware(ctx, flaky(new Error('reset'))))).value).toEqual(
      textResult('ok after 2'),
    );
  });

  it('retries a tool without hints when idempotent says it is safe', async () => {
    const { clock, ctx, middleware } = setup(
      { idempotent: (tool) => tool.name === 'lookup' },
      { name: 'lookup' },
    );
    expect((await drive(clock, middleware(ctx, flaky(new Error('reset'))))).value).toEqual(
      textResult('ok after 2'),
    );
  });

  it('gives up after `retries` retries with the last error and an exhausted event', async () => {
    const { clock, ctx, middleware } = setup({ retries: 2 });
    const last = new Error('third');
    const handler = flaky(new Error('first'), new Error('second'), last, new Error('never reached'));
    expect((await drive(clock, middleware(ctx, handler))).error).toBe(last);
    expect(handler.calls).toHaveLength(3);
    expect(ctx.events.at(-1)).toEqual({ type: 'give-up', attempts: 3, reason: 'exhausted' });
  });

  it('gives up as not-retryable when a later attempt fails in a way not to retry', async () => {
    const { clock, ctx, middleware } = setup();
    const forbidden = new MiddlewareError('FORBIDDEN', 'token revoked');
    const { error } = await drive(clock, middleware(ctx, flaky(new Error('reset'), forbidden)));
    expect(isMiddlewareError(error, 'FORBIDDEN') && error.retryable).toBe(false);
    expect((error as Error).cause).toBe(forbidden);
    expect(ctx.events.at(-1)).toEqual({ type: 'give-up', attempts: 2, reason: 'not-retryable' });
  });

  it('returns an isError answer from a later attempt without a give-up event', async () => {
    const { clock, ctx, middleware } = setup();
    const handler = stubHandler((_ctx, call) => {
      if (call === 1) throw new Error('reset');
      return toolError;
    });
    expect((await drive(clock, middleware(ctx, handler))).value).toBe(toolError);
    expect(ctx.events.map((e) => e.type)).toEqual(['retry']);
  });

  it('waits the backoff delay on the clock before the next attempt', async () => {
    const { clock, ctx, middleware } = setup({ backoff: (n) => n * 1000 });
    const handler = flaky(new Error('a'), new Error('b'));
    const call = middleware(ctx, handler);
    await clock.advance(999);
    expect(handler.calls).toHaveLength(1);
    await clock.advance(1);
    expect(handler.calls).toHaveLength(2);
    await clock.advance(1999);
    expect(handler.calls).toHaveLength(2);
    await clock.advance(1);
    expect(await call).toEqual(textResult('ok after 3'));
  });

  it('waits at least the retryAfterMs a failure asks for', async () => {
    const { clock, ctx, middleware } = setup();
    const handler = flaky(new MiddlewareError('CIRCUIT_OPEN', 'open', { retryAfterMs: 5_000 }));
    await drive(clock, middleware(ctx, handler));
    expect(ctx.events[0]).toMatchObject({ type: 'retry', delayMs: 5_000 });
  });

  it('gives up with max-time when the next retry would start after maxRetryTimeMs', async () => {
    const { clock, ctx, middleware } = setup({ maxRetryTimeMs: 1_000, backoff: () => 600 });
    const handler = flaky(new Error('a'), new Error('b'));
    const { error } = await drive(clock, middleware(ctx, handler));
    expect((error as Error).message).toBe('b');
    expect(handler.calls).toHaveLength(2);
    expect(ctx.events.at(-1)).toEqual({ type: 'give-up', attempts: 2, reason: 'max-time' });
  });

  it('stops at once when the client cancels during the backoff, leaving no timer or listener', async () => {
    const { clock, request, ctx, middleware } = setup({ backoff: () => 10_000 });
    const failure = new Error('reset');
    const handler = flaky(failure);
    const call = middleware(ctx, handler).catch((error: unknown) => error);
    await clock.advance(10);
    request.abort();
    const error = await call;
    expect(isMiddlewareError(error, 'CANCELLED')).toBe(true);
    expect((error as Error).cause).toBe(failure);
    await clock.advance(20_000);
    expect(handler.calls).toHaveLength(1);
    expect(clock.pending).toBe(0);
    expect(getEventListeners(request.signal, 'abort')).toHaveLength(0);
    expect(ctx.events.at(-1)).toEqual({ type: 'give-up', attempts: 1, reason: 'cancelled' });
  });

  it('does not retry a failure that arrives after the client cancelled', async () => {
    const { request, ctx, middleware } = setup();
    const handler = stubHandler(() => {
      request.abort();
      throw new Error('aborted');
    });
    const error = await middleware(ctx, handler).catch((e: unknown) => e);
    expect(isMiddlewareError(error, 'CANCELLED')).toBe(true);
    expect(handler.calls).toHaveLength(1);
  });

  it('gives up with budget once retries exceed the budget', async () => {
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0.1, windowMs: 10_000 });
    const { clock, ctx, middleware } = setup({ budget, retries: 5 });
    const handler = flaky(new Error('a'), new Error('b'), new Error('c'));
    const { error } = await drive(clock, middleware(ctx, handler));
    expect((error as Error).message).toBe('b');
    expect(ctx.events.at(-1)).toEqual({ type: 'give-up', attempts: 2, reason: 'budget' });
  });

  it('retries without limit from a budget when budget is false', async () => {
    const { clock, ctx, middleware } = setup({ budget: false, retries: 3 });
    const handler = flaky(new Error('a'), new Error('b'), new Error('c'));
    expect((await drive(clock, middleware(ctx, handler))).value).toEqual(textResult('ok after 4'));
  });

  it('calls onRetry before each wait and onGiveUp at the end', async () => {
    const seen: string[] = [];
    const { clock, ctx, middleware } = setup({
      retries: 1,
      onRetry: (info) => seen.push(`retry ${info.attempt} in ${info.delayMs}`),
      onGiveUp: (info) => seen.push(`give up after ${info.attempts}: ${info.reason}`),
    });
    await drive(clock, middleware(ctx, flaky(new Error('a'), new Error('b'))));
    expect(seen).toEqual(['retry 2 in 100', 'give up after 2: exhausted']);
  });

  it('keeps retrying when a hook throws, and reports the hook as a warning', async () => {
    const { clock, ctx, middleware } = setup({
      onRetry: () => {
        throw new Error('hook bug');
      },
    });
    expect((await drive(clock, middleware(ctx, flaky(new Error('a'))))).value).toEqual(
      textResult('ok after 2'),
    );
    expect(ctx.events).toContainEqual(expect.objectContaining({ type: 'warning', source: 'retry' }));
  });

  it('sends a progress notification before each retry when asked and the client sent a progressToken', async () => {
    const sent: unknown[] = [];
    const { clock, ctx, middleware } = setup({ reportProgress: true }, readOnly, {
      _meta: { progressToken: 'p1' },
      sendNotification: (notification) => {
        sent.push(notification);
        return Promise.resolve();
      },
    });
    await drive(clock, middleware(ctx, flaky(new Error('a'))));
    expect(sent).toEqual([
      {
        method: 'notifications/progress',
        params: expect.objectContaining({ progressToken: 'p1', progress: 1, total: 2 }) as unknown,
      },
    ]);
  });

  it('sends no progress notification when the client sent no progressToken', async () => {
    const sent: unknown[] = [];
    const { clock, ctx, middleware } = setup({ reportProgress: true }, readOnly, {
      sendNotification: (notification) => {
        sent.push(notification);
        return Promise.resolve();
      },
    });
    await drive(clock, middleware(ctx, flaky(new Error('a'))));
    expect(sent).toEqual([]);
  });

  it('keeps retrying when a progress notification fails', async () => {
    const { clock, ctx, middleware } = setup({ reportProgress: true }, readOnly, {
      _meta: { progressToken: 7 },
      sendNotification: () => Promise.reject(new Error('transport closed')),
    });
    expect((await drive(clock, middleware(ctx, flaky(new Error('a'))))).value).toEqual(
      textResult('ok after 2'),
    );
    expect(ctx.events).toContainEqual(
      expect.objectContaining({ type: 'warning', message: 'progress notification failed' }),
    );
  });

  it('says in the caller’s error how many attempts ran and why retry stopped, keeping code and detail', async () => {
    const { clock, ctx, middleware } = setup({ retries: 2 });
    const last = new MiddlewareError('TIMEOUT', 'tool `search` did not answer within 2000 ms', {
      data: { timeoutMs: 2000 },
    });
    const handler = flaky(
      new MiddlewareError('TIMEOUT', 'first'),
      new MiddlewareError('TIMEOUT', 'second'),
      last,
    );
    const { error } = await drive(clock, middleware(ctx, handler));
    expect(isMiddlewareError(error, 'TIMEOUT') && error.retryable).toBe(true);
    expect((error as Error).message).toBe(
      '3 attempts in 200 ms failed (no retries left); the last: tool `search` did not answer within 2000 ms',
    );
    expect((error as MiddlewareError).data).toEqual({ timeoutMs: 2000, attempts: 3 });
    expect((error as Error).cause).toBe(last);
  });

  it('rethrows a deadline from above (a TIMEOUT abort reason) as it is, giving up with max-time', async () => {
    const { clock, request, ctx, middleware } = setup({ backoff: () => 10_000 });
    const call = middleware(ctx, flaky(new Error('reset'))).catch((error: unknown) => error);
    await clock.advance(10);
    const deadline = new MiddlewareError('TIMEOUT', 'tool `search` did not answer within 25000 ms');
    request.abort(deadline);
    expect(await call).toBe(deadline);
    expect(ctx.events.at(-1)).toEqual({ type: 'give-up', attempts: 1, reason: 'max-time' });
  });

  describe('with totalTimeoutMs', () => {
    // Each attempt hangs until its signal aborts, as a handler under timeout() would.
    const hanging = () =>
      stubHandler(
        (ctx) =>
          new Promise<CallToolResult>((_, reject) => {
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
          }),
      );

    it('answers TIMEOUT at the overall deadline, naming it and the attempts, and aborts the attempt in flight', async () => {
      const { clock, ctx, middleware } = setup({ totalTimeoutMs: 5_000, backoff: () => 100 });
      // Attempts fail after 2 s each, as under timeout({ timeoutMs: 2000 }); the third is cut at 5 s.
      const handler = stubHandler(
        (attemptCtx) =>
          new Promise<CallToolResult>((_, reject) => {
            const timer = clock.setTimeout(
              () => reject(new MiddlewareError('TIMEOUT', 'per attempt')),
              2_000,
            );
            attemptCtx.signal.addEventListener('abort', () => {
              clock.clearTimeout(timer);
              reject(attemptCtx.signal.reason as Error);
            });
          }),
      );
      let settled: { error?: unknown } | undefined;
      void middleware(ctx, handler).then(
        () => (settled = {}),
        (error: unknown) => (settled = { error }),
      );
      await clock.advance(4_999);
      expect(settled).toBeUndefined();
      await clock.advance(1);
      expect(isMiddlewareError(settled?.error, 'TIMEOUT')).toBe(true);
      expect((settled?.error as Error).message).toBe(
        "tool `search` did not answer within the call's overall time limit of 5000 ms (3 attempts, ended while the last attempt was still running); try again later, or ask for less work per call",
      );
      expect((settled?.error as MiddlewareError).data).toEqual({ totalTimeoutMs: 5_000, attempts: 3 });
      expect(handler.calls).toHaveLength(3);
      expect(handler.calls[2]?.signal.aborted).toBe(true);
      expect(clock.pending).toBe(0);
      expect(ctx.events.slice(-3)).toEqual([
        { type: 'timeout', timeoutMs: 5_000 },
        { type: 'reject', code: 'TIMEOUT', source: 'retry' },
        { type: 'give-up', attempts: 3, reason: 'max-time' },
      ]);
      await clock.advance(60_000);
      expect(handler.calls).toHaveLength(3);
      expect(ctx.events.filter((e) => e.type === 'give-up')).toHaveLength(1);
    });

    it('starts no retry whose wait would end after the deadline, and answers the last failure at once', async () => {
      const { clock, ctx, middleware } = setup({ totalTimeoutMs: 1_500, backoff: () => 1_000 });
      const handler = flaky(new Error('a'), new Error('b'));
      const started = clock.now();
      const { error } = await drive(clock, middleware(ctx, handler));
      expect((error as Error).message).toBe('b');
      expect(clock.now() - started).toBe(1_000);
      expect(handler.calls).toHaveLength(2);
      expect(ctx.events.at(-1)).toEqual({ type: 'give-up', attempts: 2, reason: 'max-time' });
      expect(clock.pending).toBe(0);
    });

    it('bounds a tool it does not retry too, without a give-up event', async () => {
      const { clock, ctx, middleware } = setup({ totalTimeoutMs: 3_000 }, { name: 'send_email' });
      const handler = hanging();
      const { error } = await drive(clock, middleware(ctx, handler));
      expect((error as Error).message).toContain('overall time limit of 3000 ms (1 attempt,');
      expect(handler.calls).toHaveLength(1);
      expect(ctx.events.map((e) => e.type)).toEqual(['timeout', 'reject']);
    });

    it('passes a first-time answer through and leaves no timer or listener', async () => {
      const { clock, request, ctx, middleware } = setup({ totalTimeoutMs: 3_000 });
      expect(await middleware(ctx, stubHandler())).toEqual(textResult('ok'));
      expect(clock.pending).toBe(0);
      expect(getEventListeners(request.signal, 'abort')).toHaveLength(0);
      expect(ctx.events).toEqual([]);
    });

    it('answers CANCELLED when the client cancels, and aborts the signal below', async () => {
      const { clock, request, ctx, middleware } = setup({ totalTimeoutMs: 3_000 });
      const handler = hanging();
      const call = middleware(ctx, handler).catch((error: unknown) => error);
      await clock.advance(10);
      request.abort();
      const error = await call;
      expect(isMiddlewareError(error, 'CANCELLED')).toBe(true);
      expect(handler.calls[0]?.signal.aborted).toBe(true);
      expect(clock.pending).toBe(0);
      expect(getEventListeners(request.signal, 'abort')).toHaveLength(0);
    });
  });

  it.each([
    [{ retries: -1 }, 'retries', /retries must be an integer from 0 to 100/],
    [{ retries: 2.5 }, 'retries', /integer/],
    [{ maxRetryTimeMs: -1 }, 'maxRetryTimeMs', /maxRetryTimeMs must be an integer/],
    [{ totalTimeoutMs: 0 }, 'totalTimeoutMs', /totalTimeoutMs must be an integer from 1/],
    [{ backoff: 'fast' }, 'backoff', /backoff must be a function/],
    [{ backoff: { baseDelayMs: -1 } }, 'backoff.baseDelayMs', /backoff.baseDelayMs must be an integer/],
    [{ backoff: { jitter: true } }, 'backoff.jitter', /unknown option backoff.jitter/],
    [{ budget: true }, 'budget', /budget must be false, a RetryBudget/],
    [{ budget: { ratio: 2000 } }, 'budget.ratio', /budget.ratio must be a number from 0 to 100/],
    [{ shouldRetry: true }, 'shouldRetry', /shouldRetry must be a function/],
    [{ maxRetries: 3 }, 'maxRetries', /unknown option maxRetries \(did you mean retries\?\)/],
  ])('rejects %o with a ConfigError at %s', (options, path, message) => {
    const build = () => retry(options as RetryOptions);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(expect.objectContaining({ path }));
    expect(build).toThrow(message);
  });
});
