/** The `operations` option of rateLimit() and concurrencyLimit(): which requests a limiter counts. */
import {
  defineMiddleware,
  type Middleware,
  type RequestContext,
  type RequestHook,
  type RequestHooks,
} from '@mcp-middleware/core';
import { compileRequestKeyBy } from '@mcp-middleware/core/helpers';

/** The requests a limiter can count. Lists are never limited per target: they name none. */
export const LIMITABLE = ['tools/call', 'resources/read', 'prompts/get', 'completion/complete'] as const;

/** One of {@link LIMITABLE}. */
export type LimitedOperation = (typeof LIMITABLE)[number];

/**
 * A limiter for its operations: `toolStep` itself when it counts tool calls (so the tool path is what it
 * was), with `requestStep` for the others; without tool calls, a middleware tool calls skip.
 */
export function limiterFor(
  name: string,
  operations: ReadonlySet<LimitedOperation>,
  toolStep: Middleware,
  requestStep: RequestHook,
): Middleware {
  const requests: Record<string, RequestHook> = {};
  for (const operation of operations) if (operation !== 'tools/call') requests[operation] = requestStep;
  const hooks = Object.keys(requests).length === 0 ? undefined : (requests as RequestHooks);
  if (!operations.has('tools/call')) return defineMiddleware(name, { requests: hooks ?? {} });
  if (hooks !== undefined) toolStep.requests = hooks;
  return toolStep;
}

/**
 * The key of requests other than tool calls (see `compileRequestKeyBy`): compiled only when the limiter
 * counts some, else `toolKeyOf`.
 */
export function requestKeyFor(
  source: string,
  keyBy: unknown,
  operations: ReadonlySet<LimitedOperation>,
  toolKeyOf: (ctx: RequestContext) => string,
): (ctx: RequestContext) => string {
  const others = operations.size > 1 || !operations.has('tools/call');
  return others ? compileRequestKeyBy(source, keyBy) : toolKeyOf;
}
