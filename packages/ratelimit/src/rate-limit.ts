/** rateLimit(): at most `limit` points per `windowMs` per key, rejected or queued, in memory or on Redis. */
import {
  describeTarget,
  MiddlewareError,
  callUserCallback,
  isMiddlewareError,
  redactSecrets,
  sleep,
  type CallToolResult,
  type Middleware,
  type Next,
  type RequestContext,
  type ToolContext,
} from '@mcp-middleware/core';
import { count, formatRetryAfter, formatWindow } from './format.js';
import { compileRequestKeyBy } from './key-by.js';
import { limiterFor } from './operations.js';
import { MemoryWindowCounter } from './memory-store.js';
import {
  resolveRateLimitOptions,
  type RateLimitOptions,
  type RateLimitRejection,
} from './rate-limit-options.js';
import type { WindowCounter, WindowState } from './store.js';

export type { RateLimitOptions, RateLimitRejection, StoreErrorPolicy } from './rate-limit-options.js';

const SOURCE = 'rateLimit';
const FAIL_CLOSED_RETRY_MS = 1000;
const WARN_EVERY_MS = 10_000;
const FALLBACK_COST = 1;
const NO_COST: unknown = Symbol('no cost');
const ADMITTED: WindowState = Object.freeze({ allowed: true, remaining: 0, resetInMs: 0 });

const isPromise = (value: WindowState | Promise<WindowState>): value is Promise<WindowState> =>
  typeof (value as Promise<WindowState>).then === 'function';

/** A safe `: <message>` for a store failure (a hostile thrown value may throw on any look). */
function reasonOf(error: unknown): string {
  try {
    return error instanceof Error ? `: ${redactSecrets(error.message)}` : '';
  } catch {
    return '';
  }
}

/**
 * The cost a `cost` function gives the call. One that throws, or returns anything but a whole number
 * ≥ 0, costs {@link FALLBACK_COST} with a `warning` event: a broken cost function never fails a call.
 */
function costOfCall(ctx: RequestContext, costOf: (ctx: ToolContext) => number): number {
  const value = callUserCallback<[ToolContext], unknown>(
    SOURCE,
    'cost function',
    costOf,
    [ctx as ToolContext],
    NO_COST,
    ctx,
  );
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (value !== NO_COST) {
    ctx.emit({
      type: 'warning',
      source: SOURCE,
      message: `cost function returned ${typeof value === 'number' ? String(value) : `a ${value === null ? 'null' : typeof value}`}, not a whole number ≥ 0; the call cost ${FALLBACK_COST}`,
    });
  }
  return FALLBACK_COST;
}

/**
 * Limits each key (default: principal + tool) to `limit` points per `windowMs`. Over the limit a call
 * is rejected with RATE_LIMITED (retryable, `retryAfterMs`, `{ limit, remaining, windowMs }` in
 * `_meta`), or in `'queue'` mode waits for room.
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  const resolved = resolveRateLimitOptions(options);
  const {
    limit,
    windowMs,
    fixedCost,
    costOf,
    keyOf,
    keyBy,
    operations,
    queue,
    maxWaitMs,
    store,
    policy,
    onReject,
  } = resolved;
  const fixedClock = resolved.clock;
  const settings = { limit, windowMs, name: resolved.name };
  const counter: WindowCounter = store.bind(settings);
  const fallback =
    store.kind !== 'memory' && policy === 'memory-fallback' ? new MemoryWindowCounter(settings) : undefined;
  const unit = costOf === undefined && fixedCost === 1 ? 'call' : 'point';
  const window = formatWindow(windowMs);
  let failing = false;
  let lastWarningAt = -Infinity;

  function reject(
    ctx: RequestContext,
    error: MiddlewareError,
    rejection: RateLimitRejection,
  ): Promise<never> {
    ctx.emit({ type: 'reject', code: error.code, source: SOURCE });
    if (onReject !== undefined)
      callUserCallback(SOURCE, 'onReject', onReject, [rejection, ctx as ToolContext], undefined, ctx);
    return Promise.reject(error);
  }

  function limited(ctx: RequestContext, key: string, cost: number, state: WindowState): Promise<never> {
    const retryAfterMs = Math.max(1, Math.ceil(state.resetInMs));
    const detail =
      unit === 'call'
        ? `${count(limit, 'call')} per ${window}`
        : `this call costs ${cost} of ${count(limit, 'point')} per ${window}, ${state.remaining} left`;
    const error = new MiddlewareError(
      'RATE_LIMITED',
      `rate limit for ${describeTarget(ctx)} exceeded (${detail}); retry after ${formatRetryAfter(retryAfterMs)}`,
      { retryAfterMs, data: { limit, remaining: state.remaining, windowMs } },
    );
    return reject(ctx, error, { reason: 'limit', key, cost, remaining: state.remaining, retryAfterMs });
  }

  // Store failures: warn (at most every WARN_EVERY_MS while they last), then apply the policy.
  function storeFailed(
    ctx: RequestContext,
    key: string,
    cost: number,
    nowMs: number,
    error: unknown,
  ): WindowState {
    if (!failing || nowMs - lastWarningAt >= WARN_EVERY_MS) {
      lastWarningAt = nowMs;
      const action =
        policy === 'memory-fallback'
          ? 'counting in this process until it answers'
          : policy === 'fail-open'
            ? 'admitting calls unchecked until it answers'
            : 'rejecting calls until it answers';
      const reason = reasonOf(error);
      ctx.emit({
        type: 'warning',
        source: SOURCE,
        message: `rate limit store "${store.kind}" failed${reason}; ${action}`,
        cause: error,
      });
    }
    failing = true;
    if (fallback !== undefined) return fallback.consume(key, cost, nowMs);
    if (policy === 'fail-open') return ADMITTED;
    throw new MiddlewareError(
      'RATE_LIMITED',
      `rate limiting for ${describeTarget(ctx)} is unavailable right now; retry after ${formatRetryAfter(FAIL_CLOSED_RETRY_MS)}`,
      {
        retryAfterMs: FAIL_CLOSED_RETRY_MS,
        data: { limit, windowMs, reason: 'store-unavailable' },
        cause: error,
      },
    );
  }

  // The first answer after a failure: said once, so an outage reads as one warning and one recovery.
  function recovered(ctx: RequestContext): void {
    failing = false;
    lastWarningAt = -Infinity;
    ctx.emit({
      type: 'warning',
      source: SOURCE,
      message: `rate limit store "${store.kind}" answers again; counting there`,
    });
  }

  function check(
    ctx: RequestContext,
    key: string,
    cost: number,
    nowMs: number,
  ): WindowState | Promise<WindowState> {
    let state: WindowState | Promise<WindowState>;
    try {
      state = counter.consume(key, cost, nowMs);
    } catch (error) {
      return storeFailed(ctx, key, cost, nowMs, error);
    }
    if (!isPromise(state)) return state;
    return state.then(
      (answered) => {
        if (failing) recovered(ctx);
        return answered;
      },
      (error: unknown) => storeFailed(ctx, key, cost, nowMs, error),
    );
  }

  function failClosed(ctx: RequestContext, key: string, cost: number, error: unknown): Promise<never> {
    if (!isMiddlewareError(error, 'RATE_LIMITED')) return Promise.reject(error);
    return reject(ctx, error, {
      reason: 'store-unavailable',
      key,
      cost,
      remaining: 0,
      retryAfterMs: FAIL_CLOSED_RETRY_MS,
    });
  }

  async function waitForRoom<R>(
    ctx: RequestContext,
    next: (ctx?: RequestContext) => Promise<R>,
    key: string,
    cost: number,
    first: WindowState,
  ): Promise<R> {
    const clock = fixedClock ?? ctx.clock;
    const deadline = clock.now() + maxWaitMs;
    let state = first;
    for (;;) {
      const waitMs = Math.max(1, Math.ceil(state.resetInMs));
      if (clock.now() + waitMs > deadline) return limited(ctx, key, cost, state);
      try {
        await sleep(clock, waitMs, ctx.signal);
      } catch (reason) {
        const error = isMiddlewareError(reason)
          ? reason
          : new MiddlewareError(
              'CANCELLED',
              `${ctx.operation === 'tools/call' ? 'call to' : 'request for'} ${describeTarget(ctx)} was cancelled while waiting for its rate limit`,
              { cause: reason },
            );
        ctx.emit({ type: 'reject', code: error.code, source: SOURCE });
        throw error;
      }
      try {
        state = await check(ctx, key, cost, clock.now());
      } catch (error) {
        return failClosed(ctx, key, cost, error);
      }
      if (state.allowed) return next(ctx);
    }
  }

  function decide<R>(
    ctx: RequestContext,
    next: (ctx?: RequestContext) => Promise<R>,
    key: string,
    cost: number,
    state: WindowState,
  ): Promise<R> {
    if (state.allowed) return next(ctx);
    return queue ? waitForRoom(ctx, next, key, cost, state) : limited(ctx, key, cost, state);
  }

  function admit<R>(
    ctx: RequestContext,
    next: (ctx?: RequestContext) => Promise<R>,
    keyOf: (ctx: RequestContext) => string,
  ): Promise<R> {
    let key: string;
    let cost = fixedCost;
    try {
      key = keyOf(ctx);
    } catch (error) {
      return Promise.reject(error);
    }
    if (costOf !== undefined) cost = costOfCall(ctx, costOf);
    if (cost === 0) return next(ctx);
    if (cost > limit) {
      const error = new MiddlewareError(
        'RATE_LIMITED',
        `${describeTarget(ctx)} costs ${cost} points but the limit is ${limit} per ${window}; this call can never be admitted`,
        { retryable: false, data: { limit, remaining: 0, windowMs } },
      );
      return reject(ctx, error, { reason: 'too-costly', key, cost, remaining: 0, retryAfterMs: undefined });
    }
    let state: WindowState | Promise<WindowState>;
    try {
      state = check(ctx, key, cost, (fixedClock ?? ctx.clock).now());
    } catch (error) {
      return failClosed(ctx, key, cost, error);
    }
    if (!isPromise(state)) return decide(ctx, next, key, cost, state);
    return state.then(
      (answered) => decide(ctx, next, key, cost, answered),
      (error: unknown) => failClosed(ctx, key, cost, error),
    );
  }

  const toolKeyOf = keyOf as (ctx: RequestContext) => string;
  const requestKeyOf =
    operations.size > 1 || !operations.has('tools/call') ? compileRequestKeyBy(SOURCE, keyBy) : toolKeyOf;
  return limiterFor(
    SOURCE,
    operations,
    function rateLimit(ctx: ToolContext, next: Next): Promise<CallToolResult> {
      return admit(ctx, next as (ctx?: RequestContext) => Promise<CallToolResult>, toolKeyOf);
    },
    (ctx, next) => admit(ctx, next, requestKeyOf),
  );
}
