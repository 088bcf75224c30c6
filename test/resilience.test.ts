// retry, circuitBreaker and timeout against a real McpServer and Client over InMemoryTransport.
// Backoff, deadlines and rolling windows run on a manual clock. opossum's reset timer (open → half-open)
// is its own real setTimeout: the breaker tests drive it with vitest's fake timers.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  ERROR_META_KEY,
  EventChannel,
  withMiddleware,
  type ErrorDetail,
  type Middleware,
  type MiddlewareEvent,
  type ToolExtra,
} from '@mcp-middleware/core';
import {
  connectInMemory,
  manualClock,
  type InMemoryConnection,
  type ManualClock,
} from '@mcp-middleware/core/testing';
import { circuitBreaker, type CircuitBreakerMiddleware } from '@mcp-middleware/circuit-breaker';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';

type Step = (call: number, extra: ToolExtra) => CallToolResult | Promise<CallToolResult>;

interface Harness {
  readonly clock: ManualClock;
  readonly events: MiddlewareEvent[];
  readonly signals: AbortSignal[];
  readonly connection: InMemoryConnection;
  /** Starts a call to `lookup` and runs the manual clock until it settles. */
  call(options?: { signal?: AbortSignal }): Promise<CallToolResult>;
  /** Starts a call without driving the clock. */
  start(options?: { signal?: AbortSignal }): Promise<CallToolResult>;
}

const connections: InMemoryConnection[] = [];
const breakers: CircuitBreakerMiddleware[] = [];
afterEach(async () => {
  for (const breaker of breakers.splice(0)) breaker.shutdown();
  await Promise.all(connections.splice(0).map((c) => c.close()));
  vi.useRealTimers();
});

/** A breaker on the test's clock, shut down after the test. */
function breakerOn(
  clock: ManualClock,
  options: { volumeThreshold?: number; resetTimeoutMs?: number } = {},
): CircuitBreakerMiddleware {
  const breaker = circuitBreaker({ volumeThreshold: 10, resetTimeoutMs: 30_000, clock, ...options });
  breakers.push(breaker);
  return breaker;
}

const ok = (text: string): CallToolResult => ({ content: [{ type: 'text', text }] });
const text = (result: CallToolResult): string => (result.content[0] as { text: string }).text;
const detailOf = (result: CallToolResult): ErrorDetail | undefined =>
  result._meta?.[ERROR_META_KEY] as ErrorDetail | undefined;
const never = (): Promise<CallToolResult> => new Promise<CallToolResult>(() => undefined);
const fail = (message: string): never => {
  throw new Error(message);
};

/** One server with one tool, `lookup`, whose answer on call n is `step(n, extra)`. */
async function harness(
  pipeline: (clock: ManualClock) => Middleware[],
  step: Step,
  annotations: ToolAnnotations = { readOnlyHint: true },
): Promise<Harness> {
  const clock = manualClock();
  const channel = new EventChannel();
  const events: MiddlewareEvent[] = [];
  channel.subscribe((event) => events.push(event));
  const signals: AbortSignal[] = [];
  const server = new McpServer({ name: 'resilience', version: '1.0.0' });
  withMiddleware(server, pipeline(clock), { clock, events: channel });
  server.registerTool('lookup', { inputSchema: { id: z.string() }, annotations }, (_args, extra) => {
    signals.push(extra.signal);
    return step(signals.length, extra);
  });
  const connection = await connectInMemory(server);
  connections.push(connection);
  const start = (options: { signal?: AbortSignal } = {}): Promise<CallToolResult> =>
    connection.client.callTool(
      { name: 'lookup', arguments: { id: 'a1' } },
      undefined,
      options,
    ) as Promise<CallToolResult>;
  const call = async (options: { signal?: AbortSignal } = {}): Promise<CallToolResult> => {
    let settled = false;
    const pending = start(options).finally(() => {
      settled = true;
    });
    for (let i = 0; !settled && i < 1000; i++) {
      if (!(await clock.runNext())) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return pending;
  };
  return { clock, events, signals, connection, call, start };
}

describe('retry() on a real server', () => {
  it('heals a tool that fails twice and then succeeds', async () => {
    const h = await harness(
      () => [retry()],
      (n) => (n <= 2 ? fail(`flaky ${n}`) : ok('found a1')),
    );
    const result = await h.call();
    expect(result.isError).toBeUndefined();
    expect(text(result)).toBe('found a1');
    expect(h.signals).toHaveLength(3);
    expect(h.events.filter((e) => e.type === 'retry')).toHaveLength(2);
  });

  it('does not retry a tool without readOnlyHint or idempotentHint, and the client sees the failure', async () => {
    const h = await harness(
      () => [retry()],
      () => fail('payment gateway reset the connection'),
      { destructiveHint: true },
    );
    const result = await h.call();
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('payment gateway reset the connection');
    expect(h.signals).toHaveLength(1);
  });

  it('stops retrying when the client cancels during the backoff, and the handler’s signal is aborted', async () => {
    const h = await harness(
      () => [retry({ backoff: () => 5_000 })],
      () => fail('reset'),
    );
    const cancel = new AbortController();
    const pending = h.start({ signal: cancel.signal }).catch((error: unknown) => error);
    await h.clock.advance(1_000);
    expect(h.signals).toHaveLength(1);
    cancel.abort(new Error('user pressed stop'));
    expect(await pending).toBeInstanceOf(Error);
    await h.clock.advance(60_000);
    expect(h.signals).toHaveLength(1);
    expect(h.signals[0]!.aborted).toBe(true);
    expect(h.events.at(-1)).toEqual({ type: 'give-up', attempts: 1, reason: 'cancelled' });
  });

  it('does not retry an attempt the client cancelled, and the attempt’s signal aborts', async () => {
    const h = await harness(
      () => [retry(), timeout({ timeoutMs: 10_000 })],
      (_n, extra) =>
        new Promise<CallToolResult>((_resolve, reject) => {
          extra.signal.addEventListener('abort', () => reject(new Error('aborted by signal')));
        }),
    );
    const cancel = new AbortController();
    const pending = h.start({ signal: cancel.signal }).catch((error: unknown) => error);
    await h.clock.advance(100);
    cancel.abort();
    await pending;
    await h.clock.advance(60_000);
    expect(h.signals).toHaveLength(1);
    expect(h.signals[0]!.aborted).toBe(true);
    expect(h.events.some((e) => e.type === 'retry')).toBe(false);
  });
});

describe('timeout() on a real server', () => {
  it('answers TIMEOUT at the deadline though the handler ignores its signal, which aborts', async () => {
    const h = await harness(() => [timeout({ timeoutMs: 2_000 })], never);
    const result = await h.call();
    expect(result.isError).toBe(true);
    expect(detailOf(result)).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(h.signals[0]!.aborted).toBe(true);
    expect(h.clock.pending).toBe(0);
  });
});

describe('circuitBreaker() on a real server', () => {
  const breakerOf = (clock: ManualClock): CircuitBreakerMiddleware =>
    breakerOn(clock, { volumeThreshold: 3, resetTimeoutMs: 10_000 });

  it('opens after the threshold and short-circuits without calling the handler', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let breaker: CircuitBreakerMiddleware | undefined;
    const h = await harness(
      (clock) => [(breaker = breakerOf(clock))],
      () => fail('database unreachable'),
    );
    for (let i = 0; i < 3; i++) expect(text(await h.call())).toBe('database unreachable');
    expect(breaker?.states().get('lookup')).toBe('open');
    const rejected = await h.call();
    expect(h.signals).toHaveLength(3);
    expect(detailOf(rejected)).toEqual({
      code: 'CIRCUIT_OPEN',
      retryable: true,
      retryAfterMs: 10_000,
      data: { state: 'open' },
    });
  });

  it('half-opens after resetTimeoutMs and closes when the probe succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let breaker: CircuitBreakerMiddleware | undefined;
    const h = await harness(
      (clock) => [(breaker = breakerOf(clock))],
      (n) => (n <= 3 ? fail('database unreachable') : ok('recovered')),
    );
    for (let i = 0; i < 3; i++) await h.call();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(breaker?.states().get('lookup')).toBe('half-open');
    expect(text(await h.call())).toBe('recovered');
    expect(breaker?.states().get('lookup')).toBe('closed');
    expect(
      h.events.filter((e) => e.type === 'breaker').map((e) => (e.type === 'breaker' ? e.state : '')),
    ).toEqual(['open', 'half-open', 'closed']);
  });

  it('is not tripped by isError answers from the tool', async () => {
    let breaker: CircuitBreakerMiddleware | undefined;
    const h = await harness(
      (clock) => [(breaker = breakerOf(clock))],
      () => ({ content: [{ type: 'text', text: 'no record a1' }], isError: true }),
    );
    for (let i = 0; i < 10; i++) expect(text(await h.call())).toBe('no record a1');
    expect(h.signals).toHaveLength(10);
    expect(breaker?.states().get('lookup')).toBe('closed');
  });
});

describe('retry → circuitBreaker → timeout', () => {
  it('gives every attempt its own deadline and its own signal', async () => {
    const h = await harness(
      (clock) => [retry({ backoff: () => 100 }), breakerOn(clock), timeout({ timeoutMs: 1_000 })],
      (n) => (n === 1 ? never() : ok('second attempt')),
    );
    const result = await h.call();
    expect(text(result)).toBe('second attempt');
    expect(h.signals).toHaveLength(2);
    expect(h.signals[0]).not.toBe(h.signals[1]);
    expect(h.signals[0]!.aborted).toBe(true);
    expect(h.signals[1]!.aborted).toBe(false);
    expect(h.events.filter((e) => e.type === 'timeout' || e.type === 'retry')).toEqual([
      { type: 'timeout', timeoutMs: 1_000 },
      { type: 'retry', attempt: 2, delayMs: 100, code: 'TIMEOUT' },
    ]);
  });

  it('passes every attempt through the breaker: once timeouts open it, retry gets CIRCUIT_OPEN and stops', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = await harness(
      (clock) => [
        retry({ retries: 5, backoff: () => 100, maxRetryTimeMs: 10_000 }),
        breakerOn(clock, { volumeThreshold: 2 }),
        timeout({ timeoutMs: 1_000 }),
      ],
      never,
    );
    const result = await h.call();
    expect(h.signals).toHaveLength(2);
    expect(detailOf(result)).toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(h.events.map((e) => e.type)).toEqual([
      'timeout',
      'reject',
      'retry',
      'timeout',
      'reject',
      'breaker',
      'retry',
      'reject',
      'give-up',
    ]);
    expect(h.events.at(-1)).toEqual({ type: 'give-up', attempts: 3, reason: 'max-time' });
  });
});
