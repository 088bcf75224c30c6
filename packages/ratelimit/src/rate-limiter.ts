/** RateLimiter: what rateLimit() does with each call (key, cost, count, reject or queue), built once per rateLimit(). */
import {
  isMiddlewareError,
  MiddlewareError,
  type RequestContext,
  type ToolContext,
} from '@mcp-middleware/core';
import { callUserCallback, cancelledError, describeTarget, sleep } from '@mcp-middleware/core/helpers';
import { count, formatRetryAfter, formatWindow } from './format.js';
import { FAIL_CLOSED_RETRY_MS, GuardedCounter, isPromise, SOURCE } from './guarded-counter.js';
import type { RateLimitRejection, ResolvedRateLimit } from './rate-limit-options.js';
import type { WindowState } from './store.js';

const FALLBACK_COST = 1;
const NO_COST: unknown = Symbol('no cost');

type NextRequest<R> = (ctx?: RequestContext) => Promise<R>;

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

/** One rateLimit()'s per-call path: admit, reject with RATE_LIMITED, or (queue mode) wait for room. */
export class RateLimiter {
  private readonly counter: GuardedCounter;
  private readonly unit: 'call' | 'point';
  private readonly window: string;

  constructor(private readonly o: ResolvedRateLimit) {
    this.counter = new GuardedCounter(o.store, o.policy, {
      limit: o.limit,
      windowMs: o.windowMs,
      name: o.name,
    });
    this.unit = o.costOf === undefined && o.fixedCost === 1 ? 'call' : 'point';
    this.window = formatWindow(o.windowMs);
  }

  /** Counts the call under `keyOf(ctx)` and runs `next` when it fits. */
  admit<R>(ctx: RequestContext, next: NextRequest<R>, keyOf: (ctx: RequestContext) => string): Promise<R> {
    const { costOf, limit } = this.o;
    let key: string;
    let cost = this.o.fixedCost;
    try {
      key = keyOf(ctx);
    } catch (error) {
      return Promise.reject(error);
    }
    if (costOf !== undefined) cost = costOfCall(ctx, costOf);
    if (cost === 0) return next(ctx);
    if (cost > limit) return this.tooCostly(ctx, key, cost);
    let state: WindowState | Promise<WindowState>;
    try {
      state = this.counter.check(ctx, key, cost, (this.o.clock ?? ctx.clock).now());
    } catch (error) {
      return this.failClosed(ctx, key, cost, error);
    }
    if (!isPromise(state)) return this.decide(ctx, next, key, cost, state);
    return state.then(
      (answered) => this.decide(ctx, next, key, cost, answered),
      (error: unknown) => this.failClosed(ctx, key, cost, error),
    );
  }

  private decide<R>(
    ctx: RequestContext,
    next: NextRequest<R>,
    key: string,
    cost: number,
    state: WindowState,
  ): Promise<R> {
    if (state.allowed) return next(ctx);
    return this.o.queue ? this.waitForRoom(ctx, next, key, cost, state) : this.limited(ctx, key, cost, state);
  }

  private async waitForRoom<R>(
    ctx: RequestContext,
    next: NextRequest<R>,
    key: string,
    cost: number,
    first: WindowState,
  ): Promise<R> {
    const clock = this.o.clock ?? ctx.clock;
    const deadline = clock.now() + this.o.maxWaitMs;
    let state = first;
    for (;;) {
      const waitMs = Math.max(1, Math.ceil(state.resetInMs));
      if (clock.now() + waitMs > deadline) return this.limited(ctx, key, cost, state);
      try {
        await sleep(clock, waitMs, ctx.signal);
      } catch (reason) {
        const error = cancelledError(ctx, reason, 'while waiting for its rate limit');
        ctx.emit({ type: 'reject', code: error.code, source: SOURCE });
        throw error;
      }
      try {
        state = await this.counter.check(ctx, key, cost, clock.now());
      } catch (error) {
        return this.failClosed(ctx, key, cost, error);
      }
      if (state.allowed) return next(ctx);
    }
  }

  private tooCostly(ctx: RequestContext, key: string, cost: number): Promise<never> {
    const { limit, windowMs } = this.o;
    const error = new MiddlewareError(
      'RATE_LIMITED',
      `${describeTarget(ctx)} costs ${cost} points but the limit is ${limit} per ${this.window}; this call can never be admitted`,
      { retryable: false, data: { limit, remaining: 0, windowMs } },
    );
    return this.reject(ctx, error, {
      reason: 'too-costly',
      key,
      cost,
      remaining: 0,
      retryAfterMs: undefined,
    });
  }

  private limited(ctx: RequestContext, key: string, cost: number, state: WindowState): Promise<never> {
    const { limit, windowMs } = this.o;
    const retryAfterMs = Math.max(1, Math.ceil(state.resetInMs));
    const detail =
      this.unit === 'call'
        ? `${count(limit, 'call')} per ${this.window}`
        : `this call costs ${cost} of ${count(limit, 'point')} per ${this.window}, ${state.remaining} left`;
    const error = new MiddlewareError(
      'RATE_LIMITED',
      `rate limit for ${describeTarget(ctx)} exceeded (${detail}); retry after ${formatRetryAfter(retryAfterMs)}`,
      { retryAfterMs, data: { limit, remaining: state.remaining, windowMs } },
    );
    return this.reject(ctx, error, { reason: 'limit', key, cost, remaining: state.remaining, retryAfterMs });
  }

  private failClosed(ctx: RequestContext, key: string, cost: number, error: unknown): Promise<never> {
    if (!isMiddlewareError(error, 'RATE_LIMITED')) return Promise.reject(error);
    return this.reject(ctx, error, {
      reason: 'store-unavailable',
      key,
      cost,
      remaining: 0,
      retryAfterMs: FAIL_CLOSED_RETRY_MS,
    });
  }

  private reject(ctx: RequestContext, error: MiddlewareError, rejection: RateLimitRejection): Promise<never> {
    ctx.emit({ type: 'reject', code: error.code, source: SOURCE });
    const onReject = this.o.onReject;
    if (onReject !== undefined)
      callUserCallback(SOURCE, 'onReject', onReject, [rejection, ctx as ToolContext], undefined, ctx);
    return Promise.reject(error);
  }
}
