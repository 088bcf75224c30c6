/** ConcurrencyLimiter: what concurrencyLimit() does with each call (take a slot, wait, or reject). */
import {
  MiddlewareError,
  type MiddlewareErrorLike,
  type RequestContext,
  type ToolContext,
} from '@mcp-middleware/core';
import { callUserCallback, cancelledError, describeTarget } from '@mcp-middleware/core/helpers';
import { Bulkheads, type Bulkhead, type Waiter } from './bulkhead.js';
import type { ConcurrencyRejection, ResolvedConcurrencyLimit } from './concurrency-options.js';
import { count, formatWindow } from './format.js';

const SOURCE = 'concurrencyLimit';

type NextRequest<R> = (ctx?: RequestContext) => Promise<R>;

/** One concurrencyLimit()'s per-call path, over its bulkheads. */
export class ConcurrencyLimiter {
  private readonly bulkheads = new Bulkheads();

  constructor(private readonly o: ResolvedConcurrencyLimit) {}

  /** Runs `next` in a slot of the call's bulkhead: at once, after a wait in its queue, or not at all. */
  admit<R>(ctx: RequestContext, next: NextRequest<R>, keyOf: (ctx: RequestContext) => string): Promise<R> {
    let key: string;
    try {
      key = keyOf(ctx);
    } catch (error) {
      return Promise.reject(error);
    }
    const bulkhead = this.bulkheads.of(key);
    if (bulkhead.active < this.o.max) {
      bulkhead.active++;
      return run(ctx, next, bulkhead);
    }
    if (bulkhead.queued >= this.o.queueSize) return Promise.reject(this.rejected(ctx, key, bulkhead, 'full'));
    if (ctx.signal.aborted) return Promise.reject(cancelled(ctx));
    return this.enqueue(ctx, key, bulkhead).then(() => run(ctx, next, bulkhead));
  }

  // Waits in the bulkhead's FIFO until release() hands over a slot, the queue timeout, or cancellation.
  private enqueue(ctx: RequestContext, key: string, bulkhead: Bulkhead): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const clock = this.o.clock ?? ctx.clock;
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
        reject(this.rejected(ctx, key, bulkhead, 'queue-timeout'));
      }, this.o.queueTimeoutMs);
      ctx.signal.addEventListener('abort', waiter.onAbort, { once: true });
    });
  }

  // The CONCURRENCY_LIMITED error, its `reject` event and the onReject hook.
  private rejected(
    ctx: RequestContext,
    key: string,
    bulkhead: Bulkhead,
    reason: ConcurrencyRejection['reason'],
  ): MiddlewareError {
    const { max, queueSize, queueTimeoutMs, onReject } = this.o;
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
}

function cancelled(ctx: RequestContext): MiddlewareErrorLike {
  const error = cancelledError(ctx, ctx.signal.reason, 'while waiting for a free slot');
  ctx.emit({ type: 'reject', code: error.code, source: SOURCE });
  return error;
}

// next() never throws synchronously (the contract's promise), so the slot is always released.
function run<R>(ctx: RequestContext, next: NextRequest<R>, bulkhead: Bulkhead): Promise<R> {
  return next(ctx).then(
    (result) => {
      bulkhead.release();
      return result;
    },
    (error: unknown) => {
      bulkhead.release();
      throw error;
    },
  );
}
