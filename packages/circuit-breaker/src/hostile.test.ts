// Every user callback of circuitBreaker() × every kind of thrown value, and hostile values thrown by the
// handler itself: each call is answered, nothing is left unhandled, each failing callback is a warning.
import {
  EventChannel,
  MiddlewareError,
  type CallToolResult,
  type MiddlewareEvent,
} from '@mcp-middleware/core';
import {
  createTestContext,
  manualClock,
  stubHandler,
  textResult,
  hostileValues,
} from '@mcp-middleware/core/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  circuitBreaker,
  type CircuitBreakerMiddleware,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';

type Kind = 'throws' | 'rejects';
function hostile<T>(kind: Kind, value: () => unknown): () => T {
  return kind === 'throws'
    ? () => {
        throw value();
      }
    : () => Promise.reject(value()) as T;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));
beforeEach(() => {
  unhandled.length = 0;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
const made: CircuitBreakerMiddleware[] = [];
afterEach(() => {
  for (const middleware of made.splice(0)) middleware.shutdown();
  vi.useRealTimers();
});

const failing = () =>
  stubHandler(() => {
    throw new Error('connection refused');
  });
const toolError: CallToolResult = { content: [{ type: 'text', text: 'busy' }], isError: true };

/** Runs `scenario` against a breaker with `options`; returns what every call settled as, and the events. */
async function run(
  options: CircuitBreakerOptions,
  scenario: (call: (handler: ReturnType<typeof stubHandler>) => Promise<void>) => Promise<void>,
) {
  const clock = manualClock();
  const channel = new EventChannel();
  const events: MiddlewareEvent[] = [];
  channel.subscribe((event) => events.push(event));
  const middleware = circuitBreaker({ volumeThreshold: 2, resetTimeoutMs: 1_000, clock, ...options });
  made.push(middleware);
  middleware.attach?.(channel);
  let started = 0;
  let answered = 0;
  const call = async (handler: ReturnType<typeof stubHandler>): Promise<void> => {
    started++;
    const ctx = createTestContext({ clock, events: channel, tool: { name: 'search' } });
    let settled = false;
    void middleware(ctx, handler).then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < 5 && !settled; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    if (settled) answered++;
  };
  await scenario(call);
  await new Promise<void>((resolve) => setImmediate(resolve));
  return { started, answered, events };
}

// Each scenario reaches its callback: failures trip the breaker (volumeThreshold 2), the reset timer
// half-opens it, a successful probe closes it, a call while open meets the fallback.
const trip = async (call: (h: ReturnType<typeof stubHandler>) => Promise<void>): Promise<void> => {
  await call(failing());
  await call(failing());
};
const lifecycle = async (call: (h: ReturnType<typeof stubHandler>) => Promise<void>): Promise<void> => {
  await trip(call);
  await call(stubHandler());
  await vi.advanceTimersByTimeAsync(1_000);
  await call(stubHandler());
};
const CALLBACKS: Record<string, (kind: Kind, value: () => unknown) => CircuitBreakerOptions> = {
  isFailure: (kind, value) => ({ isFailure: hostile(kind, value) }),
  keyBy: (kind, value) => ({ keyBy: hostile(kind, value) }),
  fallback: (kind, value) => ({ fallback: hostile(kind, value) }),
  onOpen: (kind, value) => ({ onOpen: hostile(kind, value) }),
  onHalfOpen: (kind, value) => ({ onHalfOpen: hostile(kind, value) }),
  onClose: (kind, value) => ({ onClose: hostile(kind, value) }),
};
const cases = Object.keys(CALLBACKS).flatMap((option) =>
  (['throws', 'rejects'] as const).flatMap((kind) =>
    hostileValues().map(([name, value]) => [option, kind, name, value] as const),
  ),
);

describe('circuitBreaker() with a hostile callback', () => {
  it.each(cases)('answers every call when %s %s %s, and warns', async (option, kind, _name, value) => {
    const options = (CALLBACKS[option] as (k: Kind, v: () => unknown) => CircuitBreakerOptions)(kind, value);
    const { started, answered, events } = await run(options, lifecycle);
    expect(answered).toBe(started);
    expect(events).toContainEqual(expect.objectContaining({ type: 'warning', source: 'circuitBreaker' }));
    expect(unhandled).toEqual([]);
  });

  it('counts an isError answer with the default rule when isFailure throws, and hands the caller the answer', async () => {
    const { events } = await run({ isFailure: hostile('throws', () => new Error('bug')) }, async (call) => {
      await call(stubHandler(() => toolError));
    });
    expect(events.filter((e) => e.type === 'warning')).toHaveLength(1);
  });
});

describe('circuitBreaker() when the handler throws a hostile value', () => {
  const classifiers: [string, CircuitBreakerOptions][] = [
    ['the default isFailure', {}],
    // The example: an ordinary bug once the thrown value is not an Error.
    ['isFailure reading error.message', { isFailure: (o) => (o.error as Error).message.includes('ECONN') }],
  ];
  const thrown = classifiers.flatMap(([name, options]) =>
    hostileValues().map(([value, make]) => [name, value, options, make] as const),
  );
  it.each(thrown)('answers every call under %s when it throws %s', async (_name, _value, options, make) => {
    const { started, answered } = await run(options, async (call) => {
      for (let i = 0; i < 4; i++) {
        await call(
          stubHandler(() => {
            throw make();
          }),
        );
      }
    });
    expect(answered).toBe(started);
    expect(unhandled).toEqual([]);
  });

  it('answers CIRCUIT_OPEN when the fallback throws', async () => {
    const clock = manualClock();
    const middleware = circuitBreaker({
      volumeThreshold: 1,
      clock,
      fallback: () => {
        throw new Error('fallback bug');
      },
    });
    made.push(middleware);
    const ctx = () => createTestContext({ clock, tool: { name: 'search' } });
    await middleware(ctx(), failing()).catch(() => undefined);
    const error = await middleware(
      ctx(),
      stubHandler(() => textResult('never')),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MiddlewareError);
    expect((error as MiddlewareError).code).toBe('CIRCUIT_OPEN');
  });
});
