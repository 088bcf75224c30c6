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
import { retry, type RetryOptions } from './retry.js';

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

  it('retries a tool without hints when isIdempotent says it is safe', async () => {
    const { clock, ctx, middleware } = setup(
      { isIdempotent: (tool) => tool.name === 'lookup' },
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
    expect(error).toBe(forbidden);
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

  it.each([
    [{ retries: -1 }, 'retries', /retries must be an integer from 0 to 100/],
    [{ retries: 2.5 }, 'retries', /integer/],
    [{ maxRetryTimeMs: -1 }, 'maxRetryTimeMs', /maxRetryTimeMs must be an integer/],
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
