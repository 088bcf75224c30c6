/** Calls circuitBreaker's user callbacks so that nothing they do (throw, reject, answer junk) fails a call. */
import type { RequestContext } from '@mcp-middleware/core';
import { absorbRejection, askUser, reportCallbackError } from '@mcp-middleware/core/helpers';

const SOURCE = 'circuitBreaker';

/** Reports a callback that threw or rejected, as one `warning`. */
export function report(what: string, error: unknown, ctx: RequestContext | undefined): void {
  reportCallbackError(SOURCE, what, error, ctx);
}

/**
 * When a callback answered a promise (an async callback), reports its rejection as a `warning` instead
 * of leaving it unhandled (or hands it to `onRejected`). True when `value` was a promise.
 */
export function absorb(
  what: string,
  value: unknown,
  ctx: RequestContext | undefined,
  onRejected: (error: unknown) => void = (error) => report(what, error, ctx),
): boolean {
  return absorbRejection(SOURCE, what, value, ctx, onRejected);
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
  return askUser(SOURCE, what, predicate, fallback, ctx);
}
