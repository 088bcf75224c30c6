/** concurrencyLimit(): a bulkhead per key: at most `max` calls in progress, an optional bounded queue. */
import type { CallToolResult, Middleware, Next, RequestContext, ToolContext } from '@mcp-middleware/core';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { resolveConcurrencyOptions, type ConcurrencyLimitOptions } from './concurrency-options.js';
import { limiterFor } from './operations.js';

export type { ConcurrencyLimitOptions, ConcurrencyRejection } from './concurrency-options.js';

/**
 * Lets at most `max` calls per key (default: per tool) run at once. Further calls wait in a FIFO of
 * `queue` places for up to `queueTimeoutMs`, or are rejected with CONCURRENCY_LIMITED. A queued call
 * whose request is cancelled leaves the queue at once.
 */
export function concurrencyLimit(options: ConcurrencyLimitOptions): Middleware {
  const resolved = resolveConcurrencyOptions(options);
  const limiter = new ConcurrencyLimiter(resolved);
  const { toolKeyOf, requestKeyOf, operations } = resolved;
  return limiterFor(
    'concurrencyLimit',
    operations,
    function concurrencyLimit(ctx: ToolContext, next: Next): Promise<CallToolResult> {
      return limiter.admit(ctx, next as (ctx?: RequestContext) => Promise<CallToolResult>, toolKeyOf);
    },
    (ctx, next) => limiter.admit(ctx, next, requestKeyOf),
  );
}
