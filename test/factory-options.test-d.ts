/**
 * Type tests of every factory's options (checked by `pnpm typecheck`, never run): each accepts its
 * documented options and answers a Middleware; an unknown key, a value of the wrong type or a missing
 * required option does not compile, so a user sees the mistake in the editor, before the factory's own
 * runtime check.
 */
import { approval, type ApprovalOptions } from '@mcp-middleware/approval';
import { auth, type AuthOptions } from '@mcp-middleware/auth';
import { cache, type CacheOptions } from '@mcp-middleware/cache';
import { circuitBreaker, type CircuitBreakerOptions } from '@mcp-middleware/circuit-breaker';
import type { Middleware } from '@mcp-middleware/core';
import { idempotency, type IdempotencyOptions } from '@mcp-middleware/idempotency';
import { logging, type LoggingOptions } from '@mcp-middleware/logging';
import { metrics, type MetricsOptions } from '@mcp-middleware/metrics';
import {
  concurrencyLimit,
  rateLimit,
  type ConcurrencyLimitOptions,
  type RateLimitOptions,
} from '@mcp-middleware/ratelimit';
import { retry, type RetryOptions } from '@mcp-middleware/retry';
import { timeout, type TimeoutOptions } from '@mcp-middleware/timeout';
import { tracing, type TracingOptions } from '@mcp-middleware/tracing';
import { validation, type ValidationOptions } from '@mcp-middleware/validation';
import { expectTypeOf } from 'vitest';

// Every factory answers a Middleware and takes its own options interface.
expectTypeOf(validation).returns.toExtend<Middleware>();
expectTypeOf(validation).parameter(0).toEqualTypeOf<ValidationOptions | undefined>();
expectTypeOf(auth).returns.toExtend<Middleware>();
expectTypeOf(auth).parameter(0).toEqualTypeOf<AuthOptions | undefined>();
expectTypeOf(rateLimit).returns.toExtend<Middleware>();
expectTypeOf(rateLimit).parameter(0).toEqualTypeOf<RateLimitOptions>();
expectTypeOf(concurrencyLimit).returns.toExtend<Middleware>();
expectTypeOf(concurrencyLimit).parameter(0).toEqualTypeOf<ConcurrencyLimitOptions>();
expectTypeOf(retry).returns.toExtend<Middleware>();
expectTypeOf(retry).parameter(0).toEqualTypeOf<RetryOptions | undefined>();
expectTypeOf(circuitBreaker).returns.toExtend<Middleware>();
expectTypeOf(circuitBreaker).parameter(0).toEqualTypeOf<CircuitBreakerOptions | undefined>();
expectTypeOf(timeout).returns.toExtend<Middleware>();
expectTypeOf(timeout).parameter(0).toEqualTypeOf<TimeoutOptions | undefined>();
expectTypeOf(cache).returns.toExtend<Middleware>();
expectTypeOf(cache).parameter(0).toEqualTypeOf<CacheOptions | undefined>();
expectTypeOf(idempotency).returns.toExtend<Middleware>();
expectTypeOf(idempotency).parameter(0).toEqualTypeOf<IdempotencyOptions | undefined>();
expectTypeOf(approval).returns.toExtend<Middleware>();
expectTypeOf(approval).parameter(0).toEqualTypeOf<ApprovalOptions | undefined>();
expectTypeOf(metrics).returns.toExtend<Middleware>();
expectTypeOf(metrics).parameter(0).toEqualTypeOf<MetricsOptions | undefined>();
expectTypeOf(tracing).returns.toExtend<Middleware>();
expectTypeOf(tracing).parameter(0).toEqualTypeOf<TracingOptions | undefined>();
expectTypeOf(logging).returns.toExtend<Middleware>();
expectTypeOf(logging).parameter(0).toEqualTypeOf<LoggingOptions | undefined>();

// Options with a value each compile; units are in the names.
export const pipeline: Middleware[] = [
  tracing({ captureArguments: false }),
  metrics({ maxTools: 50 }),
  logging({ level: 'info' }),
  auth({}),
  rateLimit({ limit: 10, windowMs: 60_000 }),
  validation({ maxArgsBytes: 65_536 }),
  approval({ tools: ['delete_*'] }),
  idempotency({ ttlMs: 60_000 }),
  cache({ ttlMs: 30_000 }),
  concurrencyLimit({ max: 4, queue: 8 }),
  retry({ retries: 2 }),
  circuitBreaker({ errorThresholdPercentage: 50 }),
  timeout({ timeoutMs: 5_000 }),
];

// An unknown key (a typo) does not compile, for every factory.
// @ts-expect-error unknown option
validation({ maxArgBytes: 1 });
// @ts-expect-error unknown option
auth({ form: [] });
// @ts-expect-error unknown option
rateLimit({ limit: 1, window: 1000 });
// @ts-expect-error unknown option
concurrencyLimit({ max: 1, queueSize: 1 });
// @ts-expect-error unknown option
retry({ retry: 2 });
// @ts-expect-error unknown option
circuitBreaker({ threshold: 50 });
// @ts-expect-error unknown option
timeout({ ms: 100 });
// @ts-expect-error unknown option
cache({ ttl: 100 });
// @ts-expect-error unknown option
idempotency({ ttl: 100 });
// @ts-expect-error unknown option
approval({ tool: ['x'] });
// @ts-expect-error unknown option
metrics({ maxTool: 1 });
// @ts-expect-error unknown option
tracing({ captureArgs: true });
// @ts-expect-error unknown option
logging({ lvl: 'info' });

// A value of the wrong type does not compile.
// @ts-expect-error windowMs is a number of milliseconds, not a duration string
rateLimit({ limit: 1, windowMs: '1m' });
// @ts-expect-error timeoutMs is a number
timeout({ timeoutMs: '5s' });
// @ts-expect-error retries is a number
retry({ retries: true });
// @ts-expect-error ttlMs is a number
cache({ ttlMs: '30s' });
// @ts-expect-error maxTools is a number
metrics({ maxTools: '50' });

// A required option cannot be left out.
// @ts-expect-error limit is required
rateLimit({ windowMs: 1000 });
// @ts-expect-error max is required
concurrencyLimit({ queue: 1 });
