/** RetryPolicy: the state one retry() keeps (options, memo, fallbacks) and the loop every call runs through it. */
import {
  errorDetailOf,
  isCallerMistake,
  isMiddlewareError,
  type CallToolResult,
  type RequestContext,
  type ToolContext,
  type ToolInfo,
} from '@mcp-middleware/core';
import {
  cancelledError,
  describeTarget,
  errorTypeOf,
  outcomeOfError,
  outcomeOfResult,
  reportCallbackError,
  sleep,
  type Outcome,
} from '@mcp-middleware/core/helpers';
import { exponentialBackoff, type Backoff } from './backoff.js';
import type { CallState } from './deadline.js';
import { gaveUp, overallTimeout, type GiveUpReason } from './give-up.js';
import { absorb, ask, callHook, warn } from './guard.js';
import { hasIdempotencyHint, type ResolvedRetryOptions } from './options.js';
import { sendProgress } from './progress.js';

// Thrown by the loop of a call its overall deadline already answered; nobody sees it.
const ABANDONED: unknown = Symbol('retry: answered by the overall deadline');
const DENY = (): boolean => false;

/** The rest of the pipeline for one request, and how to read its answer: a failure, or undefined for success. */
export type Run<R> = (ctx: RequestContext) => Promise<R>;
/** How a step reads an answer: the failure it carries, or undefined for a success. */
export type FailureOf<R> = (result: R) => Outcome | undefined;

/** A tool's isError answer is an outcome to classify. */
export const toolFailure: FailureOf<CallToolResult> = (result) =>
  result.isError === true ? outcomeOfResult(result) : undefined;
/** Any other request answers only on success. */
export const noFailure: FailureOf<unknown> = () => undefined;

/**
 * The default failure classifier: a failure core classifies as retryable (`outcome.retryable`, the same
 * answer the client reads in `_meta`): an unknown thrown error, a retryable MiddlewareError (TIMEOUT,
 * UPSTREAM_ERROR, …), or a relayed result carrying such an error. A tool's own `isError` answer is an answer.
 */
export function isTransientFailure(outcome: Outcome): boolean {
  return outcome.kind === 'error' && outcome.retryable;
}

/**
 * One retry()'s decisions (which tools, which failures, how long to wait, whether the budget allows) and
 * its loop. Built once per retry(); a call that succeeds first time touches only `attempt`.
 */
export class RetryPolicy {
  private readonly o: ResolvedRetryOptions;
  // What a backoff that throws or answers nonsense is replaced by.
  private readonly fallbackBackoff: Backoff = exponentialBackoff();
  // A retry whose wait ends at or after the overall deadline would only be cut short: none starts.
  private readonly lastRetryStartMs: number;
  // The default predicate reads two fields; a user predicate runs once per tool.
  private readonly memo: WeakMap<ToolInfo, boolean> | undefined;

  constructor(options: ResolvedRetryOptions) {
    this.o = options;
    const { totalTimeoutMs, maxRetryTimeMs } = options;
    this.lastRetryStartMs =
      totalTimeoutMs === undefined ? maxRetryTimeMs : Math.min(maxRetryTimeMs, totalTimeoutMs - 1);
    this.memo = options.idempotent === hasIdempotencyHint ? undefined : new WeakMap<ToolInfo, boolean>();
  }

  /** Whether the call's tool may be repeated (`idempotent`, asked once per tool). */
  eligible(ctx: ToolContext): boolean {
    const tool = ctx.tool;
    const memo = this.memo;
    if (memo === undefined) return hasIdempotencyHint(tool);
    let answer = memo.get(tool);
    if (answer === undefined) {
      const idempotent = this.o.idempotent;
      answer = ask(
        'idempotent',
        () => idempotent(tool),
        () => hasIdempotencyHint(tool),
        ctx,
      );
      memo.set(tool, answer);
    }
    return answer;
  }

  /** Whether this failure is worth another attempt. */
  wants(outcome: Outcome, ctx: RequestContext): boolean {
    if (outcome.kind === 'success') return false;
    // A rejection that says "do not retry" (bad args, forbidden, cancelled) is final.
    if (outcome.code !== undefined && !outcome.retryable) return false;
    // So is the SDK's answer to a bad request (an unknown resource or prompt, malformed params).
    if (outcome.code === undefined && isCallerMistake(outcome.error)) return false;
    const shouldRetry = this.o.shouldRetry;
    if (shouldRetry === undefined) return isTransientFailure(outcome);
    return ask(
      'shouldRetry',
      () => shouldRetry(outcome, ctx),
      () => isTransientFailure(outcome),
      ctx,
    );
  }

  /** The wait before retry `attempt`: the backoff's (or the default's), at least the failure's retry-after. */
  delayOf(ctx: RequestContext, attempt: number, outcome: Outcome): number {
    let ms: unknown;
    try {
      ms = this.o.backoff(attempt);
    } catch (error) {
      reportCallbackError('retry', 'backoff', error, ctx);
      ms = this.fallbackBackoff(attempt);
    }
    // NaN, a negative or a non-number would wait nonsense; Infinity is a wait too long, so a give-up.
    if (typeof ms !== 'number' || !(ms >= 0)) {
      absorb('backoff', ms, ctx);
      warn(
        `backoff returned ${typeof ms === 'number' ? ms : `a ${typeof ms}`} instead of a delay ≥ 0 ms; the call went on with the default`,
        ctx,
      );
      ms = this.fallbackBackoff(attempt);
    }
    return Math.max(ms as number, retryAfterMsOf(outcome));
  }

  /** Takes one retry from the budget; a budget that throws denies. */
  withdraw(ctx: RequestContext, now: number): boolean {
    const budget = this.o.budget;
    return budget === undefined || ask('budget.withdraw', () => budget.withdraw(now), DENY, ctx);
  }

  /**
   * One call: the first attempt runs bare; the loop starts only after a failure. Reads and gets are
   * always safe to repeat; a tool call only when the tool is idempotent.
   */
  attempt<R>(
    ctx: RequestContext,
    next: Run<R>,
    failureOf: FailureOf<R>,
    state: CallState | undefined,
  ): Promise<R> {
    if (state !== undefined) state.attempts = 1;
    if (failureOf === (toolFailure as FailureOf<unknown>) && !this.eligible(ctx as ToolContext))
      return next(ctx);
    const started = ctx.clock.now();
    const budget = this.o.budget;
    if (budget !== undefined) {
      try {
        absorb('budget.deposit', budget.deposit(started), ctx);
      } catch (error) {
        reportCallbackError('retry', 'budget.deposit', error, ctx);
      }
    }
    // A `.then` rather than an async function: the first attempt's success, the common case, then costs
    // one promise and no suspended frame.
    const failed = (error: unknown): Promise<R> =>
      this.retrying(ctx, next, failureOf, outcomeOfError(error), started, state);
    let pending: Promise<R>;
    try {
      pending = next(ctx);
    } catch (error) {
      return failed(error);
    }
    return pending.then((result) => {
      const failure = failureOf(result);
      if (failure === undefined) return result;
      return this.retrying(ctx, next, failureOf, failure, started, state);
    }, failed);
  }

  /** The overall deadline passed: the caller is told so, and retry stops. */
  expire(ctx: RequestContext, state: CallState, retried: boolean): Error {
    const totalTimeoutMs = this.o.totalTimeoutMs as number;
    const error = overallTimeout(describeTarget(ctx), totalTimeoutMs, state.attempts, state.waiting);
    ctx.emit({ type: 'timeout', timeoutMs: totalTimeoutMs });
    ctx.emit({ type: 'reject', code: 'TIMEOUT', source: 'retry' });
    if (retried) {
      ctx.emit({ type: 'give-up', attempts: state.attempts, reason: 'max-time' });
      const outcome = outcomeOfError(error);
      callHook(
        'onGiveUp',
        this.o.onGiveUp,
        { ctx, attempts: state.attempts, reason: 'max-time', outcome },
        ctx,
      );
    }
    return error;
  }

  // The slow path, entered after the first failure. Returns the last answer or throws the last error.
  private async retrying<R>(
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
      if (!this.wants(outcome, ctx)) {
        // An answer (isError or not) ends the call quietly; a failure not to retry is a give-up.
        if (attempt > 1 && outcome.kind === 'error')
          return this.stop<R>(ctx, attempt, 'not-retryable', outcome, started);
        return settle(outcome) as R;
      }
      if (ctx.signal.aborted) return this.cancelledDuringRetry(ctx, attempt, outcome);
      if (attempt > this.o.retries) return this.stop(ctx, attempt, 'exhausted', outcome, started);
      const now = ctx.clock.now();
      const delayMs = this.delayOf(ctx, attempt, outcome);
      if (now + delayMs - started > this.lastRetryStartMs) {
        return this.stop(ctx, attempt, 'max-time', outcome, started);
      }
      if (!this.withdraw(ctx, now)) return this.stop(ctx, attempt, 'budget', outcome, started);
      this.announce(ctx, attempt, delayMs, outcome);
      if (state !== undefined) state.waiting = true;
      try {
        await sleep(ctx.clock, delayMs, ctx.signal);
      } catch {
        if (answered(state)) throw ABANDONED;
        return this.cancelledDuringRetry(ctx, attempt, outcome);
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

  // Retry `attempt + 1` is about to wait `delayMs`: the event, the user's hook, the progress notification.
  private announce(ctx: RequestContext, attempt: number, delayMs: number, outcome: Outcome): void {
    ctx.emit({ type: 'retry', attempt: attempt + 1, delayMs, code: errorTypeOf(outcome) });
    callHook('onRetry', this.o.onRetry, { ctx, attempt: attempt + 1, delayMs, outcome }, ctx);
    if (this.o.reportProgress) sendProgress(ctx, attempt + 1, this.o.retries, delayMs, outcome);
  }

  // Ends a failed call: publishes the give-up, then answers the last failure (saying how many attempts ran).
  // A returned failure is always a tool's isError answer (other requests fail by throwing), so R.
  private stop<R>(
    ctx: RequestContext,
    attempts: number,
    reason: GiveUpReason,
    outcome: Outcome,
    started: number,
  ): R {
    ctx.emit({ type: 'give-up', attempts, reason });
    callHook('onGiveUp', this.o.onGiveUp, { ctx, attempts, reason, outcome }, ctx);
    if (outcome.result !== undefined) return outcome.result as R;
    throw gaveUp(outcome.error, attempts, ctx.clock.now() - started, reason);
  }

  // The signal aborted between attempts: the client cancelled, or a deadline above passed (its reason).
  private cancelledDuringRetry(ctx: RequestContext, attempts: number, outcome: Outcome): never {
    const cause: unknown = ctx.signal.reason;
    const fromAbove = isMiddlewareError(cause);
    const reason: GiveUpReason = fromAbove && isMiddlewareError(cause, 'TIMEOUT') ? 'max-time' : 'cancelled';
    ctx.emit({ type: 'give-up', attempts, reason });
    callHook('onGiveUp', this.o.onGiveUp, { ctx, attempts, reason, outcome }, ctx);
    if (fromAbove) throw cause;
    throw cancelledError(ctx, cause, 'by the client', outcome.error ?? cause);
  }
}

// A function, not an inline check: the deadline sets `done` while the loop awaits.
function answered(state: CallState | undefined): boolean {
  return state !== undefined && state.done;
}

function settle(outcome: Outcome): CallToolResult {
  if (outcome.result !== undefined) return outcome.result;
  throw outcome.error;
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
