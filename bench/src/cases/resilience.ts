/**
 * Resilience cases: retry, circuitBreaker and timeout on their success path, alone and stacked, beside
 * the naive uses of the libraries they replace or wrap (p-retry per call, opossum with defaults,
 * AbortSignal.timeout + AbortSignal.any per call).
 */
import { createRequire } from 'node:module';
import pRetry from 'p-retry';
import type { CallToolResult, Middleware, Next, ToolContext } from '@mcp-middleware/core';
import { circuitBreaker, type CircuitBreakerMiddleware } from '@mcp-middleware/circuit-breaker';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';
import { pipelineCase, type BenchCase } from '../harness.js';

// opossum ships no types and bench does not carry @types/opossum: the few members used here.
interface Opossum {
  fire(ctx: ToolContext, next: Next): Promise<CallToolResult>;
  shutdown(): void;
}
const CircuitBreaker = createRequire(import.meta.url)('opossum') as new (
  action: (ctx: ToolContext, next: Next) => Promise<CallToolResult>,
  options?: Record<string, unknown>,
) => Opossum;

/** A pipeline case whose middlewares are torn down after the run (breakers hold timers). */
function withTeardown(
  name: string,
  description: string,
  build: () => { pipeline: Middleware[]; teardown: () => void },
  options: { quick?: boolean; group?: BenchCase['group'] } = {},
): BenchCase {
  let teardown = (): void => undefined;
  const base = pipelineCase(
    name,
    description,
    () => {
      const built = build();
      teardown = built.teardown;
      return built.pipeline;
    },
    options,
  );
  return {
    ...base,
    async setup() {
      const op = await base.setup();
      return { run: op.run, teardown };
    },
  };
}

function ourBreaker(): { pipeline: Middleware[]; teardown: () => void } {
  const breaker: CircuitBreakerMiddleware = circuitBreaker();
  return { pipeline: [breaker], teardown: () => breaker.shutdown() };
}

// What a user writes without the middleware: p-retry around next() with options built per call.
const pRetryPerCall: Middleware = function pRetryPerCall(ctx, next) {
  return pRetry(() => next(ctx), { retries: 2, signal: ctx.signal });
};

const pRetryDefaults: Middleware = function pRetryDefaults(ctx, next) {
  return pRetry(() => next(ctx));
};

// One opossum breaker with its defaults (10 s timeout timer per call, two intervals, latency percentiles).
function opossumDefaults(): { pipeline: Middleware[]; teardown: () => void } {
  const breaker = new CircuitBreaker((ctx, next) => next(ctx));
  const middleware: Middleware = function opossumDefaults(ctx, next) {
    return breaker.fire(ctx, next);
  };
  return { pipeline: [middleware], teardown: () => breaker.shutdown() };
}

// A per-call deadline with the platform's helpers: what timeout() replaces.
const abortSignalTimeout: Middleware = function abortSignalTimeout(ctx, next) {
  return next(ctx.with({ signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(30_000)]) }));
};

export const cases: BenchCase[] = [
  pipelineCase(
    'retry',
    'retry() on a read-only tool that answers first time (budget deposit, one clock read)',
    () => retry(),
    { quick: true },
  ),
  pipelineCase(
    'retry-p-retry-per-call',
    'reference: p-retry around next() with { retries, signal } built per call',
    () => pRetryPerCall,
  ),
  pipelineCase(
    'retry-p-retry-defaults',
    'reference: p-retry around next() with no options',
    () => pRetryDefaults,
  ),
  withTeardown('circuit-breaker', 'circuitBreaker() closed, one breaker per tool', ourBreaker, {
    quick: true,
  }),
  withTeardown(
    'circuit-breaker-opossum-defaults',
    'reference: one opossum breaker with default options around next()',
    opossumDefaults,
  ),
  pipelineCase(
    'timeout',
    'timeout() with a 30 s deadline: a timer and one watcher on the request signal (the handler signal is made only if read)',
    () => timeout(),
    { quick: true },
  ),
  pipelineCase(
    'timeout-abortsignal-any',
    'reference: AbortSignal.any([signal, AbortSignal.timeout(30 s)]) per call',
    () => abortSignalTimeout,
  ),
  withTeardown(
    'resilience-stack',
    'retry → circuitBreaker → timeout, the documented order',
    () => {
      const { pipeline, teardown } = ourBreaker();
      return { pipeline: [retry(), ...pipeline, timeout()], teardown };
    },
    { group: 'pipeline' },
  ),
];
