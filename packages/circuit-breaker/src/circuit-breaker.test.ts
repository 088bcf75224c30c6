import {
  ConfigError,
  EventChannel,
  MiddlewareError,
  isMiddlewareError,
  type CallToolResult,
  type MiddlewareEvent,
  type ToolContext,
} from '@mcp-middleware/core';
import { createTestContext, manualClock, stubHandler, textResult } from '@mcp-middleware/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  circuitBreaker,
  type CircuitBreakerMiddleware,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';

// opossum runs its reset timer (open → half-open) on the real setTimeout and reads Date.now(): vitest's fake
// timers drive those. The rolling window rotates on the injected manual clock.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

const made: CircuitBreakerMiddleware[] = [];
afterEach(() => {
  for (const middleware of made.splice(0)) middleware.shutdown();
  vi.useRealTimers();
});

const toolError: CallToolResult = { content: [{ type: 'text', text: 'not found' }], isError: true };
const down = () =>
  stubHandler(() => {
    throw new Error('connection refused');
  });

function setup(options: CircuitBreakerOptions = {}) {
  const clock = manualClock();
  const channel = new EventChannel();
  const log: { event: MiddlewareEvent; inCall: boolean }[] = [];
  channel.subscribe((event, ctx) => log.push({ event, inCall: ctx !== undefined }));
  const middleware = circuitBreaker({ volumeThreshold: 4, resetTimeoutMs: 5_000, clock, ...options });
  made.push(middleware);
  middleware.attach?.(channel);
  const context = (name = 'search', signal?: AbortSignal): ToolContext =>
    createTestContext({ clock, events: channel, tool: { name }, signal });
  const call = (handler: Parameters<typeof middleware>[1], name?: string) =>
    middleware(context(name), handler).then(
      (value) => ({ value, error: undefined as unknown }),
      (error: unknown) => ({ value: undefined, error }),
    );
  const trip = async (name?: string) => {
    for (let i = 0; i < 4; i++) await call(down(), name);
  };
  const breakerEvents = () => log.filter(({ event }) => event.type === 'breaker');
  return { clock, channel, log, middleware, context, call, trip, breakerEvents };
}

describe('circuitBreaker()', () => {
  it('is a middleware named circuitBreaker, so stack traces name it', () => {
    const { middleware } = setup();
    expect(middleware.name).toBe('circuitBreaker');
  });

  it('passes answers through while closed and reports the tool closed', async () => {
    const { middleware, call } = setup();
    expect((await call(stubHandler())).value).toEqual(textResult('ok'));
    expect(middleware.states()).toEqual(new Map([['search', 'closed']]));
  });

  it('stays closed while fewer than volumeThreshold calls were made, even if all failed', async () => {
    const { middleware, call } = setup({ volumeThreshold: 4 });
    for (let i = 0; i < 3; i++) await call(down());
    expect(middleware.states().get('search')).toBe('closed');
  });

  it('opens once more than errorThresholdPercentage of the calls failed, and says so in the failing call', async () => {
    const { middleware, trip, breakerEvents } = setup();
    await trip();
    expect(middleware.states().get('search')).toBe('open');
    expect(breakerEvents()).toEqual([
      { event: { type: 'breaker', key: 'search', tool: 'search', state: 'open' }, inCall: true },
    ]);
  });

  it('does not open while failures stay at or under the threshold', async () => {
    const { middleware, call } = setup({ errorThresholdPercentage: 50 });
    for (let i = 0; i < 4; i++) await call(stubHandler());
    for (let i = 0; i < 4; i++) await call(down());
    expect(middleware.states().get('search')).toBe('closed');
  });

  it('short-circuits with a retryable CIRCUIT_OPEN without calling the handler while open', async () => {
    const { trip, call, log } = setup({ resetTimeoutMs: 5_000 });
    await trip();
    vi.advanceTimersByTime(2_000);
    const handler = stubHandler();
    const { error } = await call(handler);
    expect(handler.calls).toHaveLength(0);
    expect(isMiddlewareError(error, 'CIRCUIT_OPEN')).toBe(true);
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 3_000, data: { state: 'open' } });
    expect((error as Error).message).toContain('retry after 3 s');
    expect(log.at(-1)?.event).toEqual({ type: 'reject', code: 'CIRCUIT_OPEN', source: 'circuitBreaker' });
  });

  it('half-opens after resetTimeoutMs and publishes it on the attached channel, outside any call', async () => {
    const seen: string[] = [];
    const { middleware, trip, breakerEvents } = setup({ onHalfOpen: (info) => seen.push(info.key) });
    await trip();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(middleware.states().get('search')).toBe('half-open');
    expect(breakerEvents().at(-1)).toEqual({
      event: { type: 'breaker', key: 'search', tool: 'search', state: 'half-open' },
      inCall: false,
    });
    expect(seen).toEqual(['search']);
  });

  it('lets one probe through when half-open and rejects other calls while it runs', async () => {
    const { trip, call } = setup();
    await trip();
    await vi.advanceTimersByTimeAsync(5_000);
    let finish: (result: CallToolResult) => void = () => undefined;
    const probe = call(stubHandler(() => new Promise<CallToolResult>((resolve) => (finish = resolve))));
    const other = await call(stubHandler());
    expect(isMiddlewareError(other.error, 'CIRCUIT_OPEN')).toBe(true);
    expect(other.error).toMatchObject({ retryAfterMs: undefined, data: { state: 'half-open' } });
    finish(textResult('back'));
    expect((await probe).value).toEqual(textResult('back'));
  });

  it('closes when the probe succeeds, reporting it in the probe call and to onClose', async () => {
    const closed: string[] = [];
    const { middleware, trip, call, breakerEvents } = setup({ onClose: (info) => closed.push(info.key) });
    await trip();
    await vi.advanceTimersByTimeAsync(5_000);
    await call(stubHandler());
    expect(middleware.states().get('search')).toBe('closed');
    expect(breakerEvents().at(-1)).toEqual({
      event: { type: 'breaker', key: 'search', tool: 'search', state: 'closed' },
      inCall: true,
    });
    expect(closed).toEqual(['search']);
  });

  it('re-opens when the probe fails', async () => {
    const { middleware, trip, call } = setup();
    await trip();
    await vi.advanceTimersByTimeAsync(5_000);
    await call(down());
    expect(middleware.states().get('search')).toBe('open');
  });

  it('does not count isError answers from the tool as failures', async () => {
    const { middleware, call } = setup();
    for (let i = 0; i < 10; i++) expect((await call(stubHandler(() => toolError))).value).toBe(toolError);
    expect(middleware.states().get('search')).toBe('closed');
  });

  it('counts isError answers when isFailure says so, and still hands the caller the answer', async () => {
    const { middleware, call } = setup({ isFailure: (outcome) => outcome.kind !== 'success' });
    for (let i = 0; i < 4; i++) expect((await call(stubHandler(() => toolError))).value).toBe(toolError);
    expect(middleware.states().get('search')).toBe('open');
  });

  it('does not count rejections that are the caller’s fault, and passes them through', async () => {
    const { middleware, call } = setup();
    const rejection = new MiddlewareError('INVALID_ARGUMENTS', 'bad');
    for (let i = 0; i < 6; i++) {
      const { error } = await call(
        stubHandler(() => {
          throw rejection;
        }),
      );
      expect(error).toBe(rejection);
    }
    expect(middleware.states().get('search')).toBe('closed');
  });

  it('counts TIMEOUT and UPSTREAM_ERROR as failures', async () => {
    const { middleware, call } = setup();
    for (const code of ['TIMEOUT', 'UPSTREAM_ERROR', 'TIMEOUT', 'UPSTREAM_ERROR'] as const) {
      await call(
        stubHandler(() => {
          throw new MiddlewareError(code, code);
        }),
      );
    }
    expect(middleware.states().get('search')).toBe('open');
  });

  it('does not count failures of calls the client cancelled', async () => {
    const { middleware, context } = setup();
    for (let i = 0; i < 6; i++) {
      const request = new AbortController();
      const handler = stubHandler(() => {
        request.abort();
        throw new Error('aborted');
      });
      await middleware(context('search', request.signal), handler).catch(() => undefined);
    }
    expect(middleware.states().get('search')).toBe('closed');
  });

  it('keeps one breaker per tool by default', async () => {
    const { middleware, trip, call } = setup();
    await trip('search');
    await call(stubHandler(), 'fetch');
    expect(middleware.states()).toEqual(
      new Map([
        ['search', 'open'],
        ['fetch', 'closed'],
      ]),
    );
  });

  it('shares one breaker between the tools keyBy maps together', async () => {
    const { middleware, call } = setup({ keyBy: () => 'backend' });
    await call(down(), 'a');
    await call(down(), 'b');
    await call(down(), 'a');
    await call(down(), 'b');
    expect(middleware.states()).toEqual(new Map([['backend', 'open']]));
  });

  it('shares one breaker between every tool with keyBy "global", a part name rateLimit reads too', async () => {
    const { middleware, call } = setup({ keyBy: 'global' });
    for (const name of ['a', 'b', 'a', 'b']) await call(down(), name);
    expect([...middleware.states().values()]).toEqual(['open']);
  });

  it.each([['tool'], [['tool']]])(
    'keys by the bare tool name with keyBy %j, as by default',
    async (keyBy) => {
      const { middleware, call } = setup({ keyBy: keyBy as CircuitBreakerOptions['keyBy'] });
      await call(stubHandler(), 'search');
      expect([...middleware.states().keys()]).toEqual(['search']);
    },
  );

  it('answers short-circuited calls with the fallback when one is given', async () => {
    const { trip, call } = setup({
      fallback: (ctx, error) => textResult(`${ctx.tool.name} unavailable (${error.code})`),
    });
    await trip();
    expect((await call(stubHandler())).value).toEqual(textResult('search unavailable (CIRCUIT_OPEN)'));
  });

  it('evicts the least recently used closed breaker beyond maxBreakers', async () => {
    const { middleware, call } = setup({ maxBreakers: 2 });
    await call(stubHandler(), 'a');
    await call(stubHandler(), 'b');
    await call(stubHandler(), 'a');
    await call(stubHandler(), 'c');
    expect([...middleware.states().keys()].sort()).toEqual(['a', 'c']);
  });

  it('evicts a closed breaker before an open one, even a more recently used one', async () => {
    const { middleware, trip, call } = setup({ maxBreakers: 2 });
    await trip('open_one');
    await call(stubHandler(), 'b');
    await call(stubHandler(), 'c');
    expect(middleware.states()).toEqual(
      new Map([
        ['open_one', 'open'],
        ['c', 'closed'],
      ]),
    );
  });

  it('forgets failures older than rollingWindowMs', async () => {
    const { middleware, clock, call } = setup({ rollingWindowMs: 1_000 });
    for (let i = 0; i < 3; i++) await call(down());
    await clock.advance(1_000);
    await call(down());
    await call(stubHandler());
    expect(middleware.states().get('search')).toBe('closed');
  });

  it('holds no timer once a whole window passed without a call, and counts again from the next call', async () => {
    const { middleware, clock, call } = setup({ rollingWindowMs: 1_000 });
    await call(down());
    expect(clock.pending).toBe(1);
    await clock.advance(1_000);
    expect(clock.pending).toBe(0);
    for (let i = 0; i < 4; i++) await call(down());
    expect(clock.pending).toBe(1);
    expect(middleware.states().get('search')).toBe('open');
  });

  it('keeps working when a state hook throws, and reports the hook as a warning', async () => {
    const { middleware, trip, log } = setup({
      onOpen: () => {
        throw new Error('hook bug');
      },
    });
    await trip();
    expect(middleware.states().get('search')).toBe('open');
    expect(log.map(({ event }) => event)).toContainEqual(
      expect.objectContaining({ type: 'warning', source: 'circuitBreaker' }),
    );
  });

  it('stops its timers and forgets every breaker on shutdown', async () => {
    const { middleware, clock, trip } = setup();
    await trip();
    middleware.shutdown();
    expect(middleware.states().size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    [{ errorThresholdPercentage: 101 }, 'errorThresholdPercentage', /must be a number from 0 to 100/],
    [{ errorThresholdPercentage: -1 }, 'errorThresholdPercentage', /must be a number from 0 to 100/],
    [{ volumeThreshold: -1 }, 'volumeThreshold', /must be an integer from 0/],
    [{ resetTimeoutMs: 0 }, 'resetTimeoutMs', /must be an integer from 1/],
    [{ rollingWindowMs: 50 }, 'rollingWindowMs', /must be an integer from 100/],
    [{ maxBreakers: 0 }, 'maxBreakers', /must be an integer from 1/],
    [{ clock: 'fake' }, 'clock', /must be a Clock/],
    [{ keyBy: 'tools' }, 'keyBy', /must be one of "principal", "tool".*did you mean "tool"/],
    [{ keyBy: [] }, 'keyBy', /at least one part/],
    [{ resetTimeout: 10 }, 'resetTimeout', /did you mean resetTimeoutMs/],
  ])('rejects %o with a ConfigError at %s', (options, path, message) => {
    const build = () => circuitBreaker(options as CircuitBreakerOptions);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(expect.objectContaining({ path }));
    expect(build).toThrow(message);
  });
});
