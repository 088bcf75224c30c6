/** Calls retry's user callbacks so that nothing they do (throw, reject, answer a promise) fails a call. */
import type { RequestContext } from '@mcp-middleware/core';
import { reportCallbackError } from '@mcp-middleware/core/helpers';

const SOURCE = 'retry';

/** Calls a hook for its effect: a throw, or a promise that rejects, becomes one `warning` event. */
export function callHook<T>(
  what: string,
  hook: ((info: T) => unknown) | undefined,
  info: T,
  ctx: RequestContext | undefined,
): void {
  if (hook === undefined) return;
  let returned: unknown;
  try {
    returned = hook(info);
  } catch (error) {
    reportCallbackError(SOURCE, what, error, ctx);
    return;
  }
  absorb(what, returned, ctx);
}

/**
 * Asks a synchronous predicate: `true` only for a literal `true`. A throw, or an answer that is a promise
 * (a truthy value that would also hide its rejection), gives `fallback()` and one `warning` event.
 */
export function ask(
  what: string,
  predicate: () => unknown,
  fallback: () => boolean,
  ctx: RequestContext | undefined,
): boolean {
  let answer: unknown;
  try {
    answer = predicate();
  } catch (error) {
    reportCallbackError(SOURCE, what, error, ctx);
    return fallback();
  }
  if (answer === true || answer === false) return answer;
  if (!absorb(what, answer, ctx)) return false;
  warn(`${what} returned a promise instead of true or false; the call went on with the default`, ctx);
  return fallback();
}

/** Publishes a `warning` from retry, on the call when there is one. */
export function warn(message: string, ctx: RequestContext | undefined, cause?: unknown): void {
  if (ctx !== undefined) ctx.emit({ type: 'warning', source: SOURCE, message, cause });
  else process.emitWarning(`${SOURCE}: ${message}`, 'McpMiddlewareWarning');
}

/**
 * When a callback answered a promise (an async callback), reports its rejection as a `warning` instead
 * of leaving it unhandled. True when `value` was a promise.
 */
export function absorb(what: string, value: unknown, ctx: RequestContext | undefined): boolean {
  if (!isThenable(value)) return false;
  try {
    value.then(undefined, (error: unknown) => reportCallbackError(SOURCE, what, error, ctx));
  } catch (error) {
    reportCallbackError(SOURCE, what, error, ctx);
  }
  return true;
}

// Reading `then` of a hostile value (a revoked Proxy) throws: such a value is no promise.
function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}
