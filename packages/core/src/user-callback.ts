/** Calls a user-supplied callback so that whatever it does (throw, throw a hostile value) cannot fail a call. */
import type { ToolContext } from './contract.js';
import { describeValue } from './result.js';

/**
 * Runs `callback(...args)`. When it throws, publishes one `warning` event naming `source` and `what`
 * (on `ctx`, when there is a call) and returns `fallback` instead: a defined outcome chosen by the
 * middleware, never an unhandled rejection or an unanswered call. Reading the thrown value is itself
 * guarded (a revoked Proxy throws on any property access).
 */
export function callUserCallback<A extends unknown[], R>(
  source: string,
  what: string,
  callback: (...args: A) => R,
  args: A,
  fallback: R,
  ctx?: Pick<ToolContext, 'emit'>,
): R {
  try {
    return callback(...args);
  } catch (error) {
    reportCallbackError(source, what, error, ctx);
    return fallback;
  }
}

/** Publishes the `warning` for a user callback that threw (or rejected), without touching the value. */
export function reportCallbackError(
  source: string,
  what: string,
  error: unknown,
  ctx?: Pick<ToolContext, 'emit'>,
): void {
  let text: string;
  try {
    text = error instanceof Error ? error.message : describeValue(error);
  } catch {
    text = 'a value that cannot be inspected';
  }
  const message = `${what} threw (${text}); the call went on with the default`;
  try {
    if (ctx !== undefined) ctx.emit({ type: 'warning', source, message, cause: error });
    else process.emitWarning(`${source}: ${message}`, 'McpMiddlewareWarning');
  } catch {
    // an observer that throws is reported by the channel itself
  }
}
