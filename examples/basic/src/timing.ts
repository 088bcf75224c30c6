// The custom middleware from the README: times each call and tags slow ones, in 15 lines.
import type { Middleware } from '@mcp-middleware/core';

/** Adds `_meta.durationMs` to every result and warns on stderr when a call takes longer than `slowMs`. */
export function timing(slowMs = 500): Middleware {
  return async function timing(ctx, next) {
    const started = performance.now();
    const result = await next();
    const durationMs = Math.round(performance.now() - started);
    if (durationMs > slowMs) console.error(`slow call: ${ctx.tool.name} took ${durationMs} ms`);
    return { ...result, _meta: { ...result._meta, durationMs } };
  };
}
