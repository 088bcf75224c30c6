// One answer about retryability: for every kind of thrown value and returned result, the `retryable` the
// client reads in `_meta` is exactly what retry() does (retries it) and what circuitBreaker() does
// (counts it as a failure of the dependency), all through the real runner.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  ERROR_META_KEY,
  MiddlewareError,
  createToolRunner,
  errorDetailOf,
  toToolResult,
  type CallToolResult,
  type Middleware,
  type ToolExtra,
  type ToolHandler,
  type ToolInfo,
} from '@mcp-middleware/core';
import { createTestExtra, manualClock, type ManualClock } from '@mcp-middleware/core/testing';
import { circuitBreaker, type CircuitBreakerMiddleware } from '@mcp-middleware/circuit-breaker';
import { retry } from '@mcp-middleware/retry';

const TOOL: ToolInfo = Object.freeze({ name: 'lookup', annotations: { readOnlyHint: true } });

type Case = readonly [name: string, outcome: { thrown: () => unknown } | { returned: CallToolResult }];

const relayed = (code: string, retryable: unknown): CallToolResult => ({
  content: [{ type: 'text', text: `upstream said ${code}` }],
  isError: true,
  _meta: { [ERROR_META_KEY]: { code, retryable } },
});

const CASES: readonly Case[] = [
  ['an Error', { thrown: () => new Error('ECONNRESET') }],
  ['a TypeError (fetch failed)', { thrown: () => new TypeError('fetch failed') }],
  ['a string', { thrown: () => 'ECONNRESET' }],
  ['null', { thrown: () => null }],
  ['undefined', { thrown: () => undefined }],
  ['a Symbol', { thrown: () => Symbol('x') }],
  ['an object', { thrown: () => ({ reason: 'down' }) }],
  [
    'an object with throwing getters',
    {
      thrown: () =>
        Object.defineProperty({}, 'message', {
          get: () => {
            throw new Error('getter');
          },
        }),
    },
  ],
  ...ERROR_CODES.map((code): Case => [
    `a MiddlewareError ${code}`,
    { thrown: () => new MiddlewareError(code, `${code} here`) },
  ]),
  [
    'a TIMEOUT marked not retryable',
    { thrown: () => new MiddlewareError('TIMEOUT', 'x', { retryable: false }) },
  ],
  [
    'a FORBIDDEN marked retryable',
    { thrown: () => new MiddlewareError('FORBIDDEN', 'x', { retryable: true }) },
  ],
  ['a success', { returned: { content: [{ type: 'text', text: 'ok' }] } }],
  [
    'a tool’s own isError answer',
    { returned: { content: [{ type: 'text', text: 'no such id' }], isError: true } },
  ],
  ['a relayed retryable UPSTREAM_ERROR', { returned: relayed('UPSTREAM_ERROR', true) }],
  ['a relayed non-retryable UPSTREAM_ERROR', { returned: relayed('UPSTREAM_ERROR', false) }],
  ['a relayed RATE_LIMITED whose retryable is a string', { returned: relayed('RATE_LIMITED', 'yes') }],
  ['a relayed unknown code', { returned: relayed('MADE_UP', true) }],
];

const extra = (requestId: number): ToolExtra => createTestExtra({ requestId });

/** The first call answers with the case's outcome, later calls succeed. Counts calls. */
function handlerFor(outcome: Case[1]): ToolHandler & { calls: number } {
  const handler = Object.assign(
    (): Promise<CallToolResult> => {
      handler.calls++;
      if (handler.calls > 1) return Promise.resolve({ content: [{ type: 'text', text: 'ok' }] });
      return 'thrown' in outcome ? Promise.reject(outcome.thrown()) : Promise.resolve(outcome.returned);
    },
    { calls: 0 },
  );
  return handler;
}

async function drive(clock: ManualClock, promise: Promise<CallToolResult>): Promise<CallToolResult> {
  let settled: CallToolResult | undefined;
  void promise.then((result) => (settled = result));
  for (let i = 0; i < 50 && settled === undefined; i++) {
    if (!(await clock.runNext())) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return settled ?? expect.fail('the call was never answered');
}

const breakers: CircuitBreakerMiddleware[] = [];
afterEach(() => {
  for (const breaker of breakers.splice(0)) breaker.shutdown();
});

async function run(pipeline: Middleware[], clock: ManualClock, outcome: Case[1]) {
  const handler = handlerFor(outcome);
  const result = await drive(clock, createToolRunner(pipeline, { clock }).bind(TOOL, handler)({}, extra(1)));
  return { result, calls: handler.calls };
}

describe('retryable: one answer in _meta, in retry and in circuitBreaker', () => {
  it.each(CASES)('agrees for %s', async (_name, outcome) => {
    const clock = manualClock();
    // What the client is told: the detail of the answer (a result without a detail is not retryable).
    const bare = await run([], clock, outcome);
    const told = errorDetailOf(bare.result)?.retryable === true;
    // What retry does: a second attempt or not.
    const retried =
      (await run([retry({ retries: 1, backoff: () => 0, budget: false })], clock, outcome)).calls > 1;
    // What the breaker does: with a threshold of one failure at 0%, counting it opens the breaker.
    const breaker = circuitBreaker({ clock, volumeThreshold: 1, errorThresholdPercentage: 0 });
    breakers.push(breaker);
    await run([breaker], clock, outcome);
    const counted = breaker.states().get(TOOL.name) === 'open';
    expect({ retried, counted }).toEqual({ retried: told, counted: told });
  });

  it('tells the client an unknown thrown error is retryable, as retry and the breaker treat it', async () => {
    const result = await drive(
      manualClock(),
      createToolRunner([]).bind(TOOL, () => Promise.reject(new Error('ECONNRESET')))({}, extra(1)),
    );
    expect(errorDetailOf(result)).toEqual({ code: 'INTERNAL', retryable: true });
    expect(errorDetailOf(toToolResult('a string'))?.retryable).toBe(true);
  });
});
