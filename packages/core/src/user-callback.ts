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

/**
 * True when `value` is a promise or any thenable. Never throws: reading `then` of a hostile value (a
 * revoked Proxy, a throwing getter) makes it no promise.
 */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/** Publishes a `warning` from `source`: on the call when there is one, else as a process warning. */
export function publishWarning(
  source: string,
  message: string,
  ctx?: Pick<ToolContext, 'emit'>,
  cause?: unknown,
): void {
  if (ctx !== undefined) ctx.emit({ type: 'warning', source, message, cause });
  else process.emitWarning(`${source}: ${message}`, 'McpMiddlewareWarning');
}

/**
 * When a callback answered a promise (an async callback), reports its rejection as one `warning` instead
 * of leaving it unhandled (or hands it to `onRejected`). True when `value` was a promise.
 */
export function absorbRejection(
  source: string,
  what: string,
  value: unknown,
  ctx?: Pick<ToolContext, 'emit'>,
  onRejected: (error: unknown) => void = (error) => reportCallbackError(source, what, error, ctx),
): boolean {
  if (!isPromiseLike(value)) return false;
  try {
    value.then(undefined, onRejected);
  } catch (error) {
    onRejected(error);
  }
  return true;
}

/** Calls a user hook for its effect (`onReject`, `onRetry`…): a throw, or a promise that rejects, becomes one `warning`. */
export function callHook<A extends unknown[]>(
  source: string,
  what: string,
  hook: ((...args: A) => unknown) | undefined,
  args: A,
  ctx?: Pick<ToolContext, 'emit'>,
): void {
  if (hook === undefined) return;
  let returned: unknown;
  try {
    returned = hook(...args);
  } catch (error) {
    reportCallbackError(source, what, error, ctx);
    return;
  }
  absorbRejection(source, what, returned, ctx);
}

/**
 * Asks a user predicate that must answer synchronously: `true` only for a literal `true`. A throw, or an
 * answer that is a promise (truthy, and hiding its rejection), gives `fallback()` and one `warning`.
 */
export function askUser(
  source: string,
  what: string,
  predicate: () => unknown,
  fallback: () => boolean,
  ctx?: Pick<ToolContext, 'emit'>,
): boolean {
  let answer: unknown;
  try {
    answer = predicate();
  } catch (error) {
    reportCallbackError(source, what, error, ctx);
    return fallback();
  }
  if (answer === true || answer === false) return answer;
  if (!absorbRejection(source, what, answer, ctx)) return false;
  publishWarning(
    source,
    `${what} returned a promise instead of true or false; the call went on with the default`,
    ctx,
  );
  return fallback();
}
