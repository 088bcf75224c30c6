/** Calls circuitBreaker's user callbacks so that nothing they do (throw, reject, answer junk) fails a call. */
import type { RequestContext } from '@mcp-middleware/core';
import { reportCallbackError } from '@mcp-middleware/core/helpers';

const SOURCE = 'circuitBreaker';

/** Publishes a `warning` from the breaker: on the call when there is one, else through `fallback`. */
export function warn(message: string, ctx: RequestContext | undefined, cause?: unknown): void {
  if (ctx !== undefined) ctx.emit({ type: 'warning', source: SOURCE, message, cause });
  else process.emitWarning(`${SOURCE}: ${message}`, 'McpMiddlewareWarning');
}

/** Reports a callback that threw or rejected, as one `warning`. */
export function report(what: string, error: unknown, ctx: RequestContext | undefined): void {
  reportCallbackError(SOURCE, what, error, ctx);
}

/**
 * When a callback answered a promise (an async callback), reports its rejection as a `warning` instead
 * of leaving it unhandled. True when `value` was a promise.
 */
export function absorb(
  what: string,
  value: unknown,
  ctx: RequestContext | undefined,
  onRejected: (error: unknown) => void = (error) => report(what, error, ctx),
): boolean {
  if (!isThenable(value)) return false;
  try {
    value.then(undefined, onRejected);
  } catch (error) {
    onRejected(error);
  }
  return true;
}

/**
 * Asks a synchronous predicate: `true` only for a literal `true`. A throw, or a promise for an answer
 * (truthy, and hiding its rejection), gives `fallback()` and one `warning`.
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
    report(what, error, ctx);
    return fallback();
  }
  if (answer === true || answer === false) return answer;
  if (!absorb(what, answer, ctx)) return false;
  warn(`${what} returned a promise instead of true or false; the call went on with the default`, ctx);
  return fallback();
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
