/** Calls retry's user callbacks so that nothing they do (throw, reject, answer a promise) fails a call. */
import type { RequestContext } from '@mcp-middleware/core';
import {
  absorbRejection,
  askUser,
  callHook as callUserHook,
  publishWarning,
} from '@mcp-middleware/core/helpers';

const SOURCE = 'retry';

/** Calls a hook for its effect: a throw, or a promise that rejects, becomes one `warning` event. */
export function callHook<T>(
  what: string,
  hook: ((info: T) => unknown) | undefined,
  info: T,
  ctx: RequestContext | undefined,
): void {
  callUserHook(SOURCE, what, hook, [info], ctx);
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
  return askUser(SOURCE, what, predicate, fallback, ctx);
}

/** Publishes a `warning` from retry, on the call when there is one. */
export function warn(message: string, ctx: RequestContext | undefined, cause?: unknown): void {
  publishWarning(SOURCE, message, ctx, cause);
}

/**
 * When a callback answered a promise (an async callback), reports its rejection as a `warning` instead
 * of leaving it unhandled. True when `value` was a promise.
 */
export function absorb(what: string, value: unknown, ctx: RequestContext | undefined): boolean {
  return absorbRejection(SOURCE, what, value, ctx);
}
