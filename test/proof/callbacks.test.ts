// User callbacks under fire: every callback option of retry(), circuitBreaker() and timeout() throws, or
// (as an async callback) rejects, every kind of value: an Error, a string, null, undefined, a Symbol, a
// revoked Proxy (even `instanceof` throws on it) and an object whose getters throw. Each runs through the
// whole resilience stack on the real runner: every call must be answered, no rejection left unhandled,
// no timer left, and each failing callback reported as a `warning` event. Handlers that throw those
// values meet the default failure rule and a buggy `isFailure` (the issue's `o.error.message`).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EventChannel,
  createToolRunner,
  isToolResult,
  type CallToolResult,
  type Middleware,
  type MiddlewareEvent,
  type ToolExtra,
  type ToolHandler,
  type ToolInfo,
} from '@mcp-middleware/core';
import {
  createTestContext,
  createTestExtra,
  manualClock,
  type ManualClock,
} from '@mcp-middleware/core/testing';
import {
  circuitBreaker,
  type CircuitBreakerMiddleware,
  type CircuitBreakerOptions,
} from '@mcp-middleware/circuit-breaker';
import { retry, type RetryOptions } from '@mcp-middleware/retry';
import { timeout, type TimeoutOptions } from '@mcp-middleware/timeout';
import { table, writeProofSection } from './report.js';

const TOOL: ToolInfo = Object.freeze({ name: 'lookup_record', annotations: { readOnlyHint: true } });
const TIMEOUT_MS = 1_000;
const RESET_MS = 5_000;

/** What a buggy callback (or handler) throws. A factory: a revoked Proxy must be made per case. */
const VALUES: readonly (readonly [string, () => unknown])[] = [
  ['Error', () => new Error('callback bug')],
  ['string', () => 'ECONNRESET'],
  ['null', () => null],
  ['undefined', () => undefined],
  ['Symbol', () => Symbol('bug')],
  [
    'revoked Proxy',
    () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    },
  ],
  [
    'throwing getters',
    () => {
      const boom = (): never => {
        throw new Error('getter');
      };
      return Object.defineProperties(
        {},
        { message: { get: boom }, code: { get: boom }, then: { get: boom }, toJSON: { get: boom } },
      );
    },
  ],
];
const KINDS = ['throws', 'rejects'] as const;
type Kind = (typeof KINDS)[number];

function hostile<T>(kind: Kind, value: () => unknown): () => T {
  return kind === 'throws'
    ? () => {
        throw value();
      }
    : () => Promise.reject(value()) as T;
}

/** The options of the three middlewares for one case; only one callback is hostile. */
interface StackOptions {
  readonly retry?: RetryOptions;
  readonly circuitBreaker?: CircuitBreakerOptions;
  readonly timeout?: TimeoutOptions;
}

/** A scenario drives calls until the callback under test has run. */
type Scenario = (call: (handler: ToolHandler) => Promise<CallToolResult>) => Promise<void>;

const never: ToolHandler = () => new Promise<CallToolResult>(() => undefined);
const failing: ToolHandler = () => Promise.reject(new Error('connection refused'));
const ok: ToolHandler = () => ({ content: [{ type: 'text', text: 'found' }] });

// Attempts time out, so every retry callback runs (onGiveUp after the last), and onTimeout each time.
const timingOut: Scenario = async (call) => {
  await call(never);
};
// Two failures open the breaker (volumeThreshold 2); a call meets the fallback; the reset timer
// half-opens it; a successful probe closes it.
const breakerLife: Scenario = async (call) => {
  await call(failing);
  await call(failing);
  await call(ok);
  await vi.advanceTimersByTimeAsync(RESET_MS);
  await call(ok);
};

interface Callback {
  readonly middleware: 'retry' | 'circuitBreaker' | 'timeout';
  readonly option: string;
  readonly options: (kind: Kind, value: () => unknown) => StackOptions;
  readonly scenario: Scenario;
}

const CALLBACKS: readonly Callback[] = [
  ...(
    [
      ['isIdempotent', (k, v) => ({ isIdempotent: hostile(k, v) })],
      ['shouldRetry', (k, v) => ({ shouldRetry: hostile(k, v) })],
      ['backoff', (k, v) => ({ backoff: hostile(k, v) })],
      ['backoff.random', (k, v) => ({ backoff: { random: hostile(k, v) } })],
      ['budget.deposit', (k, v) => ({ budget: { deposit: hostile(k, v), withdraw: () => true } })],
      ['budget.withdraw', (k, v) => ({ budget: { deposit: () => undefined, withdraw: hostile(k, v) } })],
      ['onRetry', (k, v) => ({ onRetry: hostile(k, v) })],
      ['onGiveUp', (k, v) => ({ onGiveUp: hostile(k, v) })],
    ] as const satisfies readonly (readonly [string, (k: Kind, v: () => unknown) => RetryOptions])[]
  ).map(([option, make]): Callback => ({
    middleware: 'retry',
    option,
    options: (k, v) => ({ retry: make(k, v) }),
    scenario: timingOut,
  })),
  {
    middleware: 'timeout',
    option: 'onTimeout',
    options: (k, v) => ({ timeout: { onTimeout: hostile(k, v) } }),
    scenario: timingOut,
  },
  ...(
    [
      ['isFailure', (k, v) => ({ isFailure: hostile(k, v) })],
      ['keyBy', (k, v) => ({ keyBy: hostile(k, v) })],
      ['fallback', (k, v) => ({ fallback: hostile(k, v) })],
      ['onOpen', (k, v) => ({ onOpen: hostile(k, v) })],
      ['onHalfOpen', (k, v) => ({ onHalfOpen: hostile(k, v) })],
      ['onClose', (k, v) => ({ onClose: hostile(k, v) })],
    ] as const satisfies readonly (readonly [string, (k: Kind, v: () => unknown) => CircuitBreakerOptions])[]
  ).map(([option, make]): Callback => ({
    middleware: 'circuitBreaker',
    option,
    options: (k, v) => ({ circuitBreaker: make(k, v) }),
    scenario: breakerLife,
  })),
];

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));
beforeEach(() => {
  // opossum's reset timer (open → half-open) is its own setTimeout; every other timer is the manual clock.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
const breakers: CircuitBreakerMiddleware[] = [];
afterEach(() => {
  for (const breaker of breakers.splice(0)) breaker.shutdown();
  vi.useRealTimers();
});

const extra = (requestId: number): ToolExtra => createTestExtra({ requestId });

/** Runs the clock until `promise` settles; undefined if it never does (a hang). */
async function drive<T>(clock: ManualClock, promise: Promise<T>): Promise<T | undefined> {
  let settled: { value: T } | undefined;
  void promise.then((value) => (settled = { value }));
  for (let step = 0; step < 200 && settled === undefined; step++) {
    if (!(await clock.runNext())) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return settled?.value;
}

interface Run {
  readonly calls: number;
  readonly answered: number;
  readonly warnings: number;
  readonly timersLeft: number;
  readonly unhandled: number;
}

/** One case: the resilience stack with `options`, driven through `scenario` on the real runner. */
async function runCase(options: StackOptions, scenario: Scenario): Promise<Run> {
  unhandled.length = 0;
  const clock = manualClock();
  const channel = new EventChannel();
  const events: MiddlewareEvent[] = [];
  channel.subscribe((event) => events.push(event));
  const breaker = circuitBreaker({
    clock,
    volumeThreshold: 2,
    resetTimeoutMs: RESET_MS,
    ...options.circuitBreaker,
  });
  breakers.push(breaker);
  const pipeline: Middleware[] = [
    retry({ retries: 2, backoff: () => 10, budget: false, ...options.retry }),
    breaker,
    timeout({ timeoutMs: TIMEOUT_MS, ...options.timeout }),
  ];
  const runner = createToolRunner(pipeline, { clock, events: channel });
  let calls = 0;
  let answered = 0;
  await scenario(async (handler) => {
    calls++;
    const result = await drive(clock, runner.bind(TOOL, handler)({ id: 'r-1' }, extra(calls)));
    if (result !== undefined && isToolResult(result)) answered++;
    return result as CallToolResult;
  });
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  breaker.shutdown();
  return {
    calls,
    answered,
    warnings: events.filter((e) => e.type === 'warning').length,
    timersLeft: clock.pending,
    unhandled: unhandled.length,
  };
}

const rows = new Map<
  string,
  { cases: number; calls: number; answered: number; warned: number; unhandled: number }
>();
function tally(key: string, run: Run): void {
  const row = rows.get(key) ?? { cases: 0, calls: 0, answered: 0, warned: 0, unhandled: 0 };
  row.cases++;
  row.calls += run.calls;
  row.answered += run.answered;
  row.warned += run.warnings > 0 ? 1 : 0;
  row.unhandled += run.unhandled;
  rows.set(key, row);
}

const callbackCases = CALLBACKS.flatMap((callback) =>
  KINDS.flatMap((kind) => VALUES.map(([name, value]) => [callback, kind, name, value] as const)),
);

describe('every user callback of retry, circuitBreaker and timeout, hostile', () => {
  it.each(callbackCases.map((c) => [`${c[0].middleware} ${c[0].option}`, c[1], c[2], c] as const))(
    '%s %s %s: every call answered, a warning, nothing unhandled or left running',
    async (_label, _kind, _name, [callback, kind, , value]) => {
      const run = await runCase(callback.options(kind, value), callback.scenario);
      tally(`\`${callback.middleware}\` \`${callback.option}\``, run);
      expect(run.calls).toBeGreaterThan(0);
      expect(run.answered).toBe(run.calls);
      expect(run.warnings).toBeGreaterThan(0);
      expect(run.unhandled).toBe(0);
      expect(run.timersLeft).toBe(0);
    },
  );
});

describe('handlers that throw hostile values through the resilience stack', () => {
  const classifiers: readonly (readonly [string, CircuitBreakerOptions])[] = [
    ['default isFailure', {}],
    // The example of an ordinary bug in a classifier.
    ['isFailure reading error.message', { isFailure: (o) => (o.error as Error).message.includes('ECONN') }],
  ];
  const cases = classifiers.flatMap(([label, options]) =>
    VALUES.map(([name, value]) => [label, name, options, value] as const),
  );
  it.each(cases)(
    '%s, handler throws %s: every call answered, nothing unhandled',
    async (label, _name, options, value) => {
      const throwing: ToolHandler = () => Promise.reject(value());
      const run = await runCase({ circuitBreaker: options }, async (call) => {
        for (let i = 0; i < 3; i++) await call(throwing);
      });
      tally(`handler throws, ${label}`, run);
      expect(run.answered).toBe(run.calls);
      expect(run.unhandled).toBe(0);
      expect(run.timersLeft).toBe(0);
    },
  );

  it('settles (with the value itself) when the last attempt threw a revoked Proxy, below the runner', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const clock = manualClock();
    const breaker = circuitBreaker({ clock });
    breakers.push(breaker);
    const stack = [retry({ backoff: () => 10 }), breaker, timeout()];
    const ctx = createTestContext({ clock, tool: TOOL });
    let attempts = 0;
    const handler = (): Promise<CallToolResult> => {
      attempts++;
      return Promise.reject(proxy);
    };
    const call = (stack[0] as Middleware)(ctx, (c) =>
      (stack[1] as Middleware)(c ?? ctx, (d) => (stack[2] as Middleware)(d ?? ctx, handler)),
    );
    const settled = await drive(
      clock,
      call.then(
        () => 'answered',
        (error: unknown) => (error === proxy ? 'the thrown value' : 'another error'),
      ),
    );
    expect(settled).toBe('the thrown value');
    expect(attempts).toBe(3);
    expect(unhandled).toEqual([]);
  });
});

afterAll(() => {
  const all = [...rows.values()];
  const sum = (f: (r: (typeof all)[number]) => number): number => all.reduce((n, r) => n + f(r), 0);
  writeProofSection(
    'callbacks',
    [
      '## User callbacks (retry, circuitBreaker, timeout)',
      '',
      `Every callback option of the three resilience middlewares throws, or rejects as an async callback`,
      `would, each of ${VALUES.length} values (${VALUES.map(([n]) => n).join(', ')}), on the real runner`,
      'with the whole stack (`retry → circuitBreaker → timeout`) and a manual clock; handlers also throw',
      'those values at the default and at a buggy `isFailure`. Counted: calls answered, cases whose',
      'failing callback was published as a `warning` event, unhandled rejections (a process hook).',
      '',
      table(
        ['callback', 'cases', 'calls', 'answered', 'warned', 'unhandled rejections'],
        [...rows].map(([key, r]) => [key, r.cases, r.calls, r.answered, r.warned, r.unhandled]),
      ),
      '',
      `${sum((r) => r.cases)} hostile cases tried, ${sum((r) => r.calls)} calls, ${sum((r) => r.answered)} answered, ` +
        `${sum((r) => r.unhandled)} unhandled rejections, no timer left behind.`,
    ].join('\n'),
  );
});
