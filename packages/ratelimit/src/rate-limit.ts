/** rateLimit(): at most `limit` points per `windowMs` per key, rejected or queued, in memory or on Redis. */
import type { CallToolResult, Middleware, Next, RequestContext, ToolContext } from '@mcp-middleware/core';
import { SOURCE } from './guarded-counter.js';
import { limiterFor, requestKeyFor } from './operations.js';
import { resolveRateLimitOptions, type RateLimitOptions } from './rate-limit-options.js';
import { RateLimiter } from './rate-limiter.js';

export type { RateLimitOptions, RateLimitRejection, StoreErrorPolicy } from './rate-limit-options.js';

/**
 * Limits each key (default: principal + tool) to `limit` points per `windowMs`. Over the limit a call
 * is rejected with RATE_LIMITED (retryable, `retryAfterMs`, `{ limit, remaining, windowMs }` in
 * `_meta`), or in `'queue'` mode waits for room.
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  const resolved = resolveRateLimitOptions(options);
  const limiter = new RateLimiter(resolved);
  const { keyOf, keyBy, operations } = resolved;
  const toolKeyOf = keyOf as (ctx: RequestContext) => string;
  const requestKeyOf = requestKeyFor(SOURCE, keyBy, operations, toolKeyOf);
  return limiterFor(
    SOURCE,
    operations,
    function rateLimit(ctx: ToolContext, next: Next): Promise<CallToolResult> {
      return limiter.admit(ctx, next as (ctx?: RequestContext) => Promise<CallToolResult>, toolKeyOf);
    },
    (ctx, next) => limiter.admit(ctx, next, requestKeyOf),
  );
}
