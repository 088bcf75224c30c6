/** GuardedCounter: rateLimit()'s window counter with its store's health: one warning per outage, then the policy. */
import { MiddlewareError, type RequestContext } from '@mcp-middleware/core';
import { describeTarget } from '@mcp-middleware/core/helpers';
import { redactSecrets } from '@mcp-middleware/core/redact';
import { formatRetryAfter } from './format.js';
import { MemoryWindowCounter } from './memory-store.js';
import type { StoreErrorPolicy } from './rate-limit-options.js';
import type { RateLimitStore, WindowCounter, WindowSettings, WindowState } from './store.js';

/** Names the events this package emits. */
export const SOURCE = 'rateLimit';
/** The retry-after of a call refused because the store is down and the policy is fail-closed. */
export const FAIL_CLOSED_RETRY_MS = 1000;
const WARN_EVERY_MS = 10_000;
const ADMITTED: WindowState = Object.freeze({ allowed: true, remaining: 0, resetInMs: 0 });

/** Whether a store answered later (a promise) rather than at once. */
export const isPromise = (value: WindowState | Promise<WindowState>): value is Promise<WindowState> =>
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
 * The store's counter for one rateLimit(), and what happens when the store fails: a warning (at most every
 * 10 s while the outage lasts, and one when it answers again), then `policy`: count in this process,
 * admit unchecked, or throw RATE_LIMITED (`store-unavailable`). Built once per rateLimit().
 */
export class GuardedCounter {
  private readonly counter: WindowCounter;
  private readonly fallback: MemoryWindowCounter | undefined;
  private failing = false;
  private lastWarningAt = -Infinity;

  constructor(
    private readonly store: RateLimitStore,
    private readonly policy: StoreErrorPolicy,
    private readonly settings: WindowSettings,
  ) {
    this.counter = store.bind(settings);
    this.fallback =
      store.kind !== 'memory' && policy === 'memory-fallback' ? new MemoryWindowCounter(settings) : undefined;
  }

  /** Counts `cost` for `key`; throws (or rejects with) RATE_LIMITED only under fail-closed. */
  check(ctx: RequestContext, key: string, cost: number, nowMs: number): WindowState | Promise<WindowState> {
    let state: WindowState | Promise<WindowState>;
    try {
      state = this.counter.consume(key, cost, nowMs);
    } catch (error) {
      return this.storeFailed(ctx, key, cost, nowMs, error);
    }
    if (!isPromise(state)) return state;
    return state.then(
      (answered) => {
        if (this.failing) this.recovered(ctx);
        return answered;
      },
      (error: unknown) => this.storeFailed(ctx, key, cost, nowMs, error),
    );
  }

  // Store failures: warn (at most every WARN_EVERY_MS while they last), then apply the policy.
  private storeFailed(
    ctx: RequestContext,
    key: string,
    cost: number,
    nowMs: number,
    error: unknown,
  ): WindowState {
    if (!this.failing || nowMs - this.lastWarningAt >= WARN_EVERY_MS) {
      this.lastWarningAt = nowMs;
      ctx.emit({
        type: 'warning',
        source: SOURCE,
        message: `rate limit store "${this.store.kind}" failed${reasonOf(error)}; ${this.action()}`,
        cause: error,
      });
    }
    this.failing = true;
    if (this.fallback !== undefined) return this.fallback.consume(key, cost, nowMs);
    if (this.policy === 'fail-open') return ADMITTED;
    const { limit, windowMs } = this.settings;
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

  private action(): string {
    if (this.policy === 'memory-fallback') return 'counting in this process until it answers';
    if (this.policy === 'fail-open') return 'admitting calls unchecked until it answers';
    return 'rejecting calls until it answers';
  }

  // The first answer after a failure: said once, so an outage reads as one warning and one recovery.
  private recovered(ctx: RequestContext): void {
    this.failing = false;
    this.lastWarningAt = -Infinity;
    ctx.emit({
      type: 'warning',
      source: SOURCE,
      message: `rate limit store "${this.store.kind}" answers again; counting there`,
    });
  }
}
