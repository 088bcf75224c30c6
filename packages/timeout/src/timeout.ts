/** timeout(): a deadline per call, with a signal that aborts at the deadline or on client cancel. */
import {
  MiddlewareError,
  defineMiddleware,
  type CallToolResult,
  type MiddlewareErrorLike,
  type Middleware,
  type Next,
  type RequestContext,
  type RequestHooks,
  type ToolContext,
  type TimerHandle,
} from '@mcp-middleware/core';
import {
  describeTarget,
  reportCallbackError,
  Cancellation,
  cancelReasonOf,
  cancelledError,
  isCancelled,
  watchCancellation,
  withSignalSource,
} from '@mcp-middleware/core/helpers';
import type { ResilientOperation } from './operations.js';
import { TIMEOUT_OPTIONS } from './options.js';

/** What `onTimeout` receives. `ctx.operation` says which request it was (a tool call, a read, a get). */
export interface TimeoutInfo {
  readonly ctx: RequestContext;
  readonly timeoutMs: number;
}

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  /**
   * How long one call (one attempt, below `retry()`) may run before the caller gets `TIMEOUT` and the
   * signal below aborts. Per-tool values go through `when(selector, timeout({ timeoutMs }))`.
   * @default 30000
   */
  readonly timeoutMs?: number;
  /** Called at the deadline, before the caller gets `TIMEOUT`. A hook that throws or rejects never fails a call: it is a `warning`. @default none */
  readonly onTimeout?: ((info: TimeoutInfo) => void) | undefined;
  /**
   * The requests that get a deadline: `tools/call`, `resources/read`, `prompts/get`. A slow read or get
   * reaches the client as the JSON-RPC error -32001 (request timeout).
   * @default ['tools/call', 'resources/read', 'prompts/get']
   */
  readonly operations?: readonly ResilientOperation[] | undefined;
}

/**
 * A per-call deadline. The middlewares below and the handler see a signal that aborts at the deadline or
 * when the client cancels; the caller gets `TIMEOUT` at the deadline (or `CANCELLED` on cancel) even if
 * the handler ignores its signal. No timer or listener outlives the call.
 */
export function timeout(options: TimeoutOptions = {}): Middleware {
  const { timeoutMs, onTimeout, operations } = TIMEOUT_OPTIONS.read(options).values;

  const timedOut = (ctx: RequestContext): MiddlewareError => {
    const error = new MiddlewareError(
      'TIMEOUT',
      `${describeTarget(ctx)} did not answer within ${timeoutMs} ms; try again, or ask for less work per call`,
      { data: { timeoutMs } },
    );
    ctx.emit({ type: 'timeout', timeoutMs });
    ctx.emit({ type: 'reject', code: 'TIMEOUT', source: 'timeout' });
    if (onTimeout !== undefined) callHook(ctx, onTimeout, { ctx, timeoutMs });
    return error;
  };

  // One deadline for any request: `next` runs the rest with a signal that aborts at the deadline. The
  // signal below is made only if someone reads it, and the one from above is watched without making it
  // (core's Cancellation): most calls make no AbortController and no listener of their own.
  function within<R>(ctx: RequestContext, next: (ctx: RequestContext) => Promise<R>): Promise<R> {
    const deadline = new Deadline<R>(ctx, timedOut);
    const stopWatching = watchCancellation(ctx, deadline.interrupt);
    if (stopWatching === undefined) {
      deadline.settled = true;
      return Promise.reject(stopped(ctx, cancelReasonOf(ctx)));
    }
    deadline.stopWatching = stopWatching;
    deadline.timer = ctx.clock.setTimeout(deadline.interrupt, timeoutMs);
    let below: Promise<R>;
    try {
      below = next(withSignalSource(ctx, deadline.below));
    } catch (error) {
      below = Promise.reject(error);
    }
    below.then(deadline.answered, deadline.failed);
    return deadline.promise;
  }

  // Built once: the tool step is the same function whatever else is chosen.
  const requests: RequestHooks = {
    ...(operations.has('resources/read') ? { 'resources/read': within } : {}),
    ...(operations.has('prompts/get') ? { 'prompts/get': within } : {}),
  };
  if (!operations.has('tools/call')) return defineMiddleware('timeout', { requests });
  const middleware = function timeout(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    return within(ctx, next as (ctx: RequestContext) => Promise<CallToolResult>);
  };
  if (operations.size > 1) middleware.requests = requests;
  return middleware;
}

const ignore = (): void => {};

/**
 * One call's race between its answer, its deadline and a cancellation from above: one object per call,
 * the layers' signal source beside it (its signal made only if one of them reads it), three closures (the
 * answer's two, and one for both the timer and the watcher above), so the common case (an answer in time)
 * allocates little. Not a subclass of Cancellation: a derived class measured dearer to build (Node 24).
 */
class Deadline<R> {
  readonly below = new Cancellation();
  settled = false;
  timer: TimerHandle = undefined;
  stopWatching: (() => void) | undefined;
  readonly promise: Promise<R>;
  readonly #ctx: RequestContext;
  readonly #timedOut: (ctx: RequestContext) => MiddlewareError;
  #resolve: (value: R) => void = ignore;
  #reject: (error: unknown) => void = ignore;

  constructor(ctx: RequestContext, timedOut: (ctx: RequestContext) => MiddlewareError) {
    this.#ctx = ctx;
    this.#timedOut = timedOut;
    this.promise = new Promise<R>((resolve, reject) => this.settle(resolve, reject));
  }

  settle(resolve: (value: R) => void, reject: (error: unknown) => void): void {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  #finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.#ctx.clock.clearTimeout(this.timer);
    this.stopWatching?.();
    return true;
  }

  readonly answered = (value: R): void => {
    if (this.#finish()) this.#resolve(value);
  };

  readonly failed = (error: unknown): void => {
    if (this.#finish()) this.#reject(error);
  };

  /**
   * The timer's and the watcher's callback: the signal above has aborted before its watchers run, so a
   * call that finds it aborted is a cancellation from above, and any other is the deadline.
   */
  readonly interrupt = (): void => {
    if (!this.#finish()) return;
    const ctx = this.#ctx;
    const error = isCancelled(ctx) ? stopped(ctx, cancelReasonOf(ctx)) : this.#timedOut(ctx);
    this.below.abort(error);
    this.#reject(error);
  };
}

/**
 * Why the call stopped when the signal from above aborted: a deadline above (an outer `timeout()`, retry's
 * `totalTimeoutMs`) aborts with its own `MiddlewareError`, which passes on as it is; anything else is the
 * client cancelling (core's one CANCELLED builder).
 */
function stopped(ctx: RequestContext, reason: unknown): MiddlewareErrorLike {
  return cancelledError(ctx, reason, 'by the client');
}

// onTimeout runs for its effect: a throw, or the rejection of the promise an async hook returns, is a
// `warning`, never a failed or hanging call.
function callHook(ctx: RequestContext, hook: (info: TimeoutInfo) => unknown, info: TimeoutInfo): void {
  let returned: unknown;
  try {
    returned = hook(info);
    if (typeof returned !== 'object' || returned === null) return;
    const then: unknown = (returned as { then?: unknown }).then;
    if (typeof then !== 'function') return;
    (returned as Promise<unknown>).then(undefined, (error: unknown) =>
      reportCallbackError('timeout', 'onTimeout', error, ctx),
    );
  } catch (error) {
    reportCallbackError('timeout', 'onTimeout', error, ctx);
  }
}
