/** The steps of a pipeline for requests other than tools/call: chosen per method, composed once. */
import { childrenOf, NO_TOOL_STEP } from './compose.js';
import type {
  CallToolResult,
  Middleware,
  Next,
  Operation,
  RequestContext,
  RequestHook,
  RequestHooks,
  Result,
  ToolContext,
} from './contract.js';
import type { EventChannel } from './events.js';

/** What {@link defineMiddleware} builds a middleware from. */
export interface MiddlewareSteps {
  /** The step for `tools/call`; without it tool calls skip this middleware. */
  readonly tools?: (ctx: ToolContext, next: Next) => Promise<CallToolResult>;
  /** Steps for the other requests, by method (`'*'` for every method without its own). */
  readonly requests?: RequestHooks;
  readonly attach?: (channel: EventChannel) => void;
}

/**
 * Builds a middleware from steps per request, named `name` in stack traces and debug messages:
 * `defineMiddleware('audit', { requests: { 'resources/read': (ctx, next) => … } })`.
 */
export function defineMiddleware(name: string, steps: MiddlewareSteps): Middleware {
  const tools = steps.tools;
  const step = {
    [name]: (ctx: ToolContext, next: Next) => (tools === undefined ? next(ctx) : tools(ctx, next)),
  };
  const middleware = step[name] as Middleware;
  middleware.requests = steps.requests;
  if (steps.attach !== undefined) middleware.attach = steps.attach;
  if (tools === undefined) Object.defineProperty(middleware, NO_TOOL_STEP, { value: true });
  return middleware;
}

/** The step of `middleware` for `operation`: its own, else its `'*'` step, else none. */
export function stepFor(middleware: Middleware, operation: Operation): RequestHook | undefined {
  const hooks = middleware.requests as Record<string, RequestHook | undefined> | undefined;
  if (hooks === undefined) return undefined;
  return hooks[operation] ?? hooks['*'];
}

type Terminal = (ctx: RequestContext) => Promise<Result>;

function dispatch(
  steps: readonly RequestHook[],
  i: number,
  ctx: RequestContext,
  terminal: Terminal,
): Promise<Result> {
  // The terminal is guarded too: `next()` never throws synchronously, whatever lies below (see `Next`).
  try {
    if (i === steps.length) return terminal(ctx);
    return (steps[i] as RequestHook)(ctx, (c) => dispatch(steps, i + 1, c ?? ctx, terminal));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The chain of `composed`'s steps for `operation` (its flattened middlewares, outermost first), or
 * undefined when no middleware has a step for it, so the request can skip the pipeline entirely.
 */
export function requestChain(
  composed: Middleware,
  operation: Operation,
): ((ctx: RequestContext, terminal: Terminal) => Promise<Result>) | undefined {
  const steps: RequestHook[] = [];
  for (const middleware of childrenOf(composed)) {
    const step = stepFor(middleware, operation);
    if (step !== undefined) steps.push(step);
  }
  if (steps.length === 0) return undefined;
  return (ctx, terminal) => dispatch(steps, 0, ctx, terminal);
}
