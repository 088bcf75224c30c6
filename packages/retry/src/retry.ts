/** retry(): runs the rest of the pipeline again after transient failures, with backoff and a budget. */
import {
  describeTarget,
  isCallerMistake,
  MiddlewareError,
  errorDetailOf,
  errorTypeOf,
  isMiddlewareError,
  outcomeOfError,
  outcomeOfResult,
  defineMiddleware,
  reportCallbackError,
  sleep,
  type CallToolResult,
  type Middleware,
  type Next,
  type Outcome,
  type RequestContext,
  type RequestHooks,
  type ToolContext,
  type ToolInfo,
} from '@mcp-middleware/core';
import { exponentialBackoff } from './backoff.js';
import { runWithin, type CallState } from './deadline.js';
import { gaveUp, overallTimeout, type GiveUpReason } from './give-up.js';
import { absorb, ask, callHook, warn } from './guard.js';
import { hasIdempotencyHint, readRetryOptions, type RetryOptions } from './options.js';
import { sendProgress } from './progress.js';

// Thrown by the loop of a call its overall deadline already answered; nobody sees it.
const ABANDONED: unknown = Symbol('retry: answered by the overall deadline');
const DENY = (): boolean => false;

/** The rest of the pipeline for one request, and how to read its answer: a failure, or undefined for success. */
type Run<R> = (ctx: RequestContext) => Promise<R>;
type FailureOf<R> = (result: R) => Outcome | undefined;

// A tool's isError answer is an outcome to classify; any other request answers only on success.
const toolFailure: FailureOf<CallToolResult> = (result) =>
  result.isError === true ? outcomeOfResult(result) : undefined;
const noFailure: FailureOf<unknown> = () => undefined;

/**
 * The default failure classifier: a failure core classifies as retryable (`outcome.retryable`, the same
 * answer the client reads in `_meta`): an unknown thrown error, a retryable MiddlewareError (TIMEOUT,
 * UPSTREAM_ERROR, …), or a relayed result carrying such an error. A tool's own `isError` answer is an answer.
 */
export function isTransientFailure(outcome: Outcome): boolean {
  return outcome.kind === 'error' && outcome.retryable;
}

/**
 * Retries failed calls of idempotent tools, resource reads and prompt gets (see `operations`) with
 * exponential full-jitter backoff, bounded by `retries`, `maxRetryTimeMs`, an optional overall deadline
 * (`totalTimeoutMs`), a retry budget and the client's cancellation. Without `totalTimeoutMs` the success
 * path adds no timer, no allocation and one clock read.
 */
export function retry(options: RetryOptions = {}): Middleware {
  const {
    retries,
    maxRetryTimeMs,
    totalTimeoutMs,
    backoff,
    isIdempotent,
    shouldRetry,
    budget,
    reportProgress,
    onRetry,
    onGiveUp,
    operations,
  } = readRetryOptions(options);
  // What a backoff that throws or answers nonsense is replaced by.
  const fallbackBackoff = exponentialBackoff();
  // A retry whose wait ends at or after the overall deadline would only be cut short: none starts.
  const lastRetryStartMs =
    totalTimeoutMs === undefined ? maxRetryTimeMs : Math.min(maxRetryTimeMs, totalTimeoutMs - 1);
  // The default predicate reads two fields; a user predicate runs once per tool.
  const memo = isIdempotent === hasIdempotencyHint ? undefined : new WeakMap<ToolInfo, boolean>();
  const eligible = (ctx: ToolContext): boolean => {
    const tool = ctx.tool;
    if (memo === undefined) return hasIdempotencyHint(tool);
    let answer = memo.get(tool);
    if (answer === undefined) {
      answer = ask(
        'isIdempotent',
        () => isIdempotent(tool),
        () => hasIdempotencyHint(tool),
        ctx,
      );
      memo.set(tool, answer);
    }
    return answer;
  };

  const wants = (outcome: Outcome, ctx: RequestContext): boolean => {
    if (outcome.kind === 'success') return false;
    // A rejection that says "do not retry" (bad args, forbidden, cancelled) is final.
    if (outcome.code !== undefined && !outcome.retryable) return false;
    // So is the SDK's answer to a bad request (an unknown resource or prompt, malformed params).
    if (outcome.code === undefined && isCallerMistake(outcome.error)) return false;
    if (shouldRetry === undefined) return isTransientFailure(outcome);
    return ask(
      'shouldRetry',
      () => shouldRetry(outcome, ctx),
      () => isTransientFailure(outcome),
      ctx,
    );
  };

  const delayOf = (ctx: RequestContext, attempt: number, outcome: Outcome): number => {
    let ms: unknown;
    try {
      ms = backoff(attempt);
    } catch (error) {
      reportCallbackError('retry', 'backoff', error, ctx);
      ms = fallbackBackoff(attempt);
    }
    // NaN, a negative or a non-number would wait nonsense; Infinity is a wait too long, so a give-up.
    if (typeof ms !== 'number' || !(ms >= 0)) {
      absorb('backoff', ms, ctx);
      warn(
        `backoff returned ${typeof ms === 'number' ? ms : `a ${typeof ms}`} instead of a delay ≥ 0 ms; the call went on with the default`,
        ctx,
      );
      ms = fallbackBackoff(attempt);
    }
    return Math.max(ms as number, retryAfterMsOf(outcome));
  };

  const withdraw = (ctx: RequestContext, now: number): boolean =>
    budget === undefined || ask('budget.withdraw', () => budget.withdraw(now), DENY, ctx);

  // Ends a failed call: publishes the give-up, then answers the last failure (saying how many attempts ran).
  // A returned failure is always a tool's isError answer (other requests fail by throwing), so R.
  const stop = <R>(
    ctx: RequestContext,
    attempts: number,
    reason: GiveUpReason,
    outcome: Outcome,
    started: number,
  ): R => {
    ctx.emit({ type: 'give-up', attempts, reason });
    callHook('onGiveUp', onGiveUp, { ctx, attempts, reason, outcome }, ctx);
    if (outcome.result !== undefined) return outcome.result as R;
    throw gaveUp(outcome.error, attempts, ctx.clock.now() - started, reason);
  };

  // The slow path, entered after the first failure. Returns the last answer or throws the last error.
  async function retrying<R>(
    ctx: RequestContext,
    next: Run<R>,
    failureOf: FailureOf<R>,
    first: Outcome,
    started: number,
    state: CallState | undefined,
  ): Promise<R> {
    let outcome = first;
    for (let attempt = 1; ; attempt++) {
      if (answered(state)) throw ABANDONED;
      if (!wants(outcome, ctx)) {
        // An answer (isError or not) ends the call quietly; a failure not to retry is a give-up.
        if (attempt > 1 && outcome.kind === 'error')
          return stop<R>(ctx, attempt, 'not-retryable', outcome, started);
        return settle(outcome) as R;
      }
      if (ctx.signal.aborted) return cancelledDuringRetry(ctx, attempt, outcome);
      if (attempt > retries) return stop(ctx, attempt, 'exhausted', outcome, started);
      const now = ctx.clock.now();
      const delayMs = delayOf(ctx, attempt, outcome);
      if (now + delayMs - started > lastRetryStartMs) return stop(ctx, attempt, 'max-time', outcome, started);
      if (!withdraw(ctx, now)) return stop(ctx, attempt, 'budget', outcome, started);
      ctx.emit({ type: 'retry', attempt: attempt + 1, delayMs, code: errorTypeOf(outcome) });
      callHook('onRetry', onRetry, { ctx, attempt: attempt + 1, delayMs, outcome }, ctx);
      if (reportProgress) sendProgress(ctx, attempt + 1, retries, delayMs, outcome);
      if (state !== undefined) state.waiting = true;
      try {
        await sleep(ctx.clock, delayMs, ctx.signal);
      } catch {
        if (answered(state)) throw ABANDONED;
        return cancelledDuringRetry(ctx, attempt, outcome);
      }
      if (state !== undefined) {
        if (answered(state)) throw ABANDONED;
        state.waiting = false;
        state.attempts = attempt + 1;
      }
      try {
        const result = await next(ctx);
        const failure = failureOf(result);
        if (failure === undefined) return result;
        outcome = failure;
      } catch (error) {
        outcome = outcomeOfError(error);
      }
    }
  }

  // The signal aborted between attempts: the client cancelled, or a deadline above passed (its reason).
  function cancelledDuringRetry(ctx: RequestContext, attempts: number, outcome: Outcome): never {
    const cause: unknown = ctx.signal.reason;
    const fromAbove = isMiddlewareError(cause);
    const reason: GiveUpReason = fromAbove && isMiddlewareError(cause, 'TIMEOUT') ? 'max-time' : 'cancelled';
    ctx.emit({ type: 'give-up', attempts, reason });
    callHook('onGiveUp', onGiveUp, { ctx, attempts, reason, outcome }, ctx);
    if (fromAbove) throw cause;
    throw cancelledError(ctx, outcome.error ?? cause);
  }

  // One call: the first attempt runs bare; the loop starts only after a failure. Reads and gets are
  // always safe to repeat; a tool call only when the tool is idempotent.
  async function attempt<R>(
    ctx: RequestContext,
    next: Run<R>,
    failureOf: FailureOf<R>,
    state: CallState | undefined,
  ): Promise<R> {
    if (state !== undefined) state.attempts = 1;
    if (failureOf === (toolFailure as FailureOf<unknown>) && !eligible(ctx as ToolContext)) return next(ctx);
    const started = ctx.clock.now();
    if (budget !== undefined) {
      try {
        absorb('budget.deposit', budget.deposit(started), ctx);
      } catch (error) {
        reportCallbackError('retry', 'budget.deposit', error, ctx);
      }
    }
    let result: R;
    try {
      result = await next(ctx);
    } catch (error) {
      return retrying(ctx, next, failureOf, outcomeOfError(error), started, state);
    }
    const failure = failureOf(result);
    if (failure === undefined) return result;
    return retrying(ctx, next, failureOf, failure, started, state);
  }

  // The overall deadline passed: the caller is told so, and retry stops.
  const expire = (ctx: RequestContext, state: CallState, retried: boolean): Error => {
    const error = overallTimeout(
      describeTarget(ctx),
      totalTimeoutMs as number,
      state.attempts,
      state.waiting,
    );
    ctx.emit({ type: 'timeout', timeoutMs: totalTimeoutMs as number });
    ctx.emit({ type: 'reject', code: 'TIMEOUT', source: 'retry' });
    if (retried) {
      ctx.emit({ type: 'give-up', attempts: state.attempts, reason: 'max-time' });
      const outcome = outcomeOfError(error);
      callHook('onGiveUp', onGiveUp, { ctx, attempts: state.attempts, reason: 'max-time', outcome }, ctx);
    }
    return error;
  };

  // Built once: the tool step and the request steps share the loop, not a closure per call.
  let tools: (ctx: ToolContext, next: Next) => Promise<CallToolResult>;
  let read: <R>(ctx: RequestContext, next: Run<R>) => Promise<R>;
  if (totalTimeoutMs === undefined) {
    tools = function retry(ctx: ToolContext, next: Next): Promise<CallToolResult> {
      return attempt(ctx, next as Run<CallToolResult>, toolFailure, undefined);
    };
    read = (ctx, next) => attempt(ctx, next, noFailure, undefined);
  } else {
    const limit = totalTimeoutMs;
    tools = function retry(ctx: ToolContext, next: Next): Promise<CallToolResult> {
      return runWithin(
        ctx,
        limit,
        (below, state) => attempt(below, next as Run<CallToolResult>, toolFailure, state),
        (state) => expire(ctx, state, eligible(ctx)),
      );
    };
    read = (ctx, next) =>
      runWithin(
        ctx,
        limit,
        (below, state) => attempt(below, next, noFailure, state),
        (state) => expire(ctx, state, true),
      );
  }
  const requests: RequestHooks = {
    ...(operations.has('resources/read') ? { 'resources/read': read } : {}),
    ...(operations.has('prompts/get') ? { 'prompts/get': read } : {}),
  };
  if (!operations.has('tools/call')) return defineMiddleware('retry', { requests });
  if (operations.size > 1) (tools as Middleware).requests = requests;
  return tools;
}

// A function, not an inline check: the deadline sets `done` while the loop awaits.
function answered(state: CallState | undefined): boolean {
  return state !== undefined && state.done;
}

function settle(outcome: Outcome): CallToolResult {
  if (outcome.result !== undefined) return outcome.result;
  throw outcome.error;
}

function cancelledError(ctx: RequestContext, cause: unknown): MiddlewareError {
  return new MiddlewareError('CANCELLED', `the call to ${describeTarget(ctx)} was cancelled by the client`, {
    cause,
  });
}

function retryAfterMsOf(outcome: Outcome): number {
  let fromError: number | undefined;
  try {
    fromError = isMiddlewareError(outcome.error) ? outcome.error.retryAfterMs : undefined;
  } catch {
    fromError = undefined;
  }
  const fromResult = outcome.result === undefined ? undefined : errorDetailOf(outcome.result)?.retryAfterMs;
  const ms = fromError ?? fromResult ?? 0;
  return typeof ms === 'number' && ms > 0 ? ms : 0;
}
