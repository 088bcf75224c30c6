/** concurrencyLimit(): a bulkhead per key: at most `max` calls in progress, an optional bounded queue. */
import {
  MiddlewareError,
  type CallToolResult,
  type Clock,
  type Middleware,
  type MiddlewareErrorLike,
  type Next,
  type RequestContext,
  type TimerHandle,
  type ToolContext,
} from '@mcp-middleware/core';
import { cancelledError, describeTarget, callUserCallback } from '@mcp-middleware/core/helpers';
import { count, formatWindow } from './format.js';
import { compileKeyBy, compileRequestKeyBy, type KeyBy } from './key-by.js';
import { CONCURRENCY_LIMIT_OPTIONS } from './declaration.js';
import { limiterFor, type LimitedOperation } from './operations.js';

/** Options of {@link concurrencyLimit}. */
export interface ConcurrencyLimitOptions {
  /** Calls per key that may run at once. Required. */
  readonly max: number;
  /** Calls per key that may wait for a free slot; 0 rejects as soon as `max` are running. @default 0 */
  readonly queue?: number;
  /** The longest a queued call waits before it is rejected. @default 10_000 */
  readonly queueTimeoutMs?: number;
  /** Which calls share a bulkhead. @default 'tool' */
  readonly keyBy?: KeyBy;
  /** The time source for queue timeouts. @default the call's `ctx.clock` */
  readonly clock?: Clock;
  /** Called for every rejected call; a throwing hook never fails a call. @default none */
  readonly onReject?: (rejection: ConcurrencyRejection, ctx: ToolContext) => void;
  /**
   * Which requests take a slot: `tools/call`, and opt-in `resources/read`, `prompts/get`,
   * `completion/complete`, each with bulkheads of its own (keyed by the operation, then `keyBy` with the
   * request's target as its `tool` part).
   * @default ['tools/call']
   */
  readonly operations?: readonly LimitedOperation[];
}

/** What {@link ConcurrencyLimitOptions.onReject} receives. */
export interface ConcurrencyRejection {
  /** `full`: `max` running and the queue full; `queue-timeout`: waited `queueTimeoutMs`. */
  readonly reason: 'full' | 'queue-timeout';
  readonly key: string;
  readonly active: number;
  readonly queued: number;
}

const SOURCE = 'concurrencyLimit';
const IDLE_SWEEP_MIN = 1024;

interface Waiter {
  readonly ctx: RequestContext;
  resolve: () => void;
  reject: (error: unknown) => void;
  timer: TimerHandle;
  clock: Clock;
  onAbort: () => void;
  prev: Waiter | undefined;
  next: Waiter | undefined;
}

/** One key's slots and its FIFO of waiters (a linked list, so a cancelled waiter leaves in O(1)). */
class Bulkhead {
  active = 0;
  queued = 0;
  head: Waiter | undefined;
  tail: Waiter | undefined;

  push(waiter: Waiter): void {
    waiter.prev = this.tail;
    if (this.tail === undefined) this.head = waiter;
    else this.tail.next = waiter;
    this.tail = waiter;
    this.queued++;
  }

  remove(waiter: Waiter): void {
    if (waiter.prev === undefined) this.head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) this.tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.queued--;
  }
}

/**
 * Lets at most `max` calls per key (default: per tool) run at once. Further calls wait in a FIFO of
 * `queue` places for up to `queueTimeoutMs`, or are rejected with CONCURRENCY_LIMITED. A queued call
 * whose request is cancelled leaves the queue at once.
 */
export function concurrencyLimit(options: ConcurrencyLimitOptions): Middleware {
  const { values, reader: read } = CONCURRENCY_LIMIT_OPTIONS.read(options);
  const { max, queue: queueSize, queueTimeoutMs, onReject, operations } = values;
  const keyBy = values.keyBy ?? 'tool';
  const keyOf = compileKeyBy('concurrencyLimit', keyBy) as (ctx: RequestContext) => string;
  const requestKeyOf =
    operations.size > 1 || !operations.has('tools/call') ? compileRequestKeyBy(SOURCE, keyBy) : keyOf;
  const clockOption = values.clock;
  if (clockOption !== undefined && typeof clockOption?.setTimeout !== 'function') {
    read.fail('clock', 'a Clock (systemClock, manualClock())');
  }
  // Idle bulkheads stay (deleting and recreating one per call would churn the map) until the map
  // doubles past the last sweep; then every idle one goes. Memory follows the keys in use.
  const bulkheads = new Map<string, Bulkhead>();
  let sweepAt = IDLE_SWEEP_MIN;

  function bulkheadOf(key: string): Bulkhead {
    let bulkhead = bulkheads.get(key);
    if (bulkhead !== undefined) return bulkhead;
    if (bulkheads.size >= sweepAt) {
      for (const [k, b] of bulkheads) if (b.active === 0) bulkheads.delete(k);
      sweepAt = Math.max(IDLE_SWEEP_MIN, bulkheads.size * 2);
    }
    bulkhead = new Bulkhead();
    bulkheads.set(key, bulkhead);
    return bulkhead;
  }

  function rejected(
    ctx: RequestContext,
    key: string,
    bulkhead: Bulkhead,
    reason: ConcurrencyRejection['reason'],
  ): MiddlewareError {
    const text =
      reason === 'full'
        ? `${describeTarget(ctx)} is at its concurrency limit (${count(max, 'call')} in progress${queueSize > 0 ? `, ${queueSize} waiting` : ''}); retry shortly`
        : `${describeTarget(ctx)} stayed at its concurrency limit (${count(max, 'call')} in progress) for ${formatWindow(queueTimeoutMs)}; retry shortly`;
    const error = new MiddlewareError('CONCURRENCY_LIMITED', text, {
      data: { max, active: bulkhead.active, queued: bulkhead.queued },
    });
    ctx.emit({ type: 'reject', code: error.code, source: SOURCE });
    if (onReject !== undefined) {
      const rejection = { reason, key, active: bulkhead.active, queued: bulkhead.queued };
      callUserCallback(SOURCE, 'onReject', onReject, [rejection, ctx as ToolContext], undefined, ctx);
    }
    return error;
  }

  function cancelled(ctx: RequestContext): MiddlewareErrorLike {
    const error = cancelledError(ctx, ctx.signal.reason, 'while waiting for a free slot');
    ctx.emit({ type: 'reject', code: error.code, source: SOURCE });
    return error;
  }

  // Hands the slot to the first waiter, or frees it.
  function release(bulkhead: Bulkhead): void {
    const waiter = bulkhead.head;
    if (waiter !== undefined) {
      bulkhead.remove(waiter);
      waiter.clock.clearTimeout(waiter.timer);
      waiter.ctx.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
      return;
    }
    bulkhead.active--;
  }

  function run<R>(
    ctx: RequestContext,
    next: (ctx?: RequestContext) => Promise<R>,
    bulkhead: Bulkhead,
  ): Promise<R> {
    // next() never throws synchronously (the contract's promise), so the slot is always released below.
    return next(ctx).then(
      (result) => {
        release(bulkhead);
        return result;
      },
      (error: unknown) => {
        release(bulkhead);
        throw error;
      },
    );
  }

  function enqueue(ctx: RequestContext, key: string, bulkhead: Bulkhead): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const clock = clockOption ?? ctx.clock;
      const waiter: Waiter = {
        ctx,
        resolve,
        reject,
        clock,
        timer: undefined,
        prev: undefined,
        next: undefined,
        onAbort: () => {
          bulkhead.remove(waiter);
          clock.clearTimeout(waiter.timer);
          reject(cancelled(ctx));
        },
      };
      bulkhead.push(waiter);
      waiter.timer = clock.setTimeout(() => {
        bulkhead.remove(waiter);
        ctx.signal.removeEventListener('abort', waiter.onAbort);
        reject(rejected(ctx, key, bulkhead, 'queue-timeout'));
      }, queueTimeoutMs);
      ctx.signal.addEventListener('abort', waiter.onAbort, { once: true });
    });
  }

  function admit<R>(
    ctx: RequestContext,
    next: (ctx?: RequestContext) => Promise<R>,
    keyOf: (ctx: RequestContext) => string,
  ): Promise<R> {
    let key: string;
    try {
      key = keyOf(ctx);
    } catch (error) {
      return Promise.reject(error);
    }
    const bulkhead = bulkheadOf(key);
    if (bulkhead.active < max) {
      bulkhead.active++;
      return run(ctx, next, bulkhead);
    }
    if (bulkhead.queued >= queueSize) return Promise.reject(rejected(ctx, key, bulkhead, 'full'));
    if (ctx.signal.aborted) return Promise.reject(cancelled(ctx));
    return enqueue(ctx, key, bulkhead).then(() => run(ctx, next, bulkhead));
  }

  return limiterFor(
    SOURCE,
    operations,
    function concurrencyLimit(ctx: ToolContext, next: Next): Promise<CallToolResult> {
      return admit(ctx, next as (ctx?: RequestContext) => Promise<CallToolResult>, keyOf);
    },
    (ctx, next) => admit(ctx, next, requestKeyOf),
  );
}
