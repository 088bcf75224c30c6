/** retry(): runs the rest of the pipeline again after transient failures, with backoff and a budget. */
import {
  MiddlewareError,
  errorDetailOf,
  errorTypeOf,
  isMiddlewareError,
  outcomeOfError,
  outcomeOfResult,
  readOptions,
  sleep,
  type CallToolResult,
  type Middleware,
  type MiddlewareEvent,
  type Next,
  type Outcome,
  type ToolContext,
  type ToolInfo,
} from '@mcp-middleware/core';
import { exponentialBackoff, type Backoff, type ExponentialBackoffOptions } from './backoff.js';
import { retryBudget, type RetryBudget, type RetryBudgetOptions } from './budget.js';

/** Why a call stopped retrying. */
export type GiveUpReason = Extract<MiddlewareEvent, { type: 'give-up' }>['reason'];

/** What `onRetry` receives, before the backoff wait. */
export interface RetryInfo {
  readonly ctx: ToolContext;
  /** The attempt about to start: 2 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** The failure being retried. */
  readonly outcome: Outcome;
}

/** What `onGiveUp` receives; the caller gets the last failure. */
export interface GiveUpInfo {
  readonly ctx: ToolContext;
  readonly attempts: number;
  readonly reason: GiveUpReason;
  readonly outcome: Outcome;
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Retries after the first attempt (0 to 100). @default 2 */
  readonly retries?: number;
  /** No retry starts later than this after the call began. @default 15000 */
  readonly maxRetryTimeMs?: number;
  /** The delay before each retry: a function of the retry number, or exponential full-jitter options. @default exponentialBackoff() (100 ms base, 10 s cap, factor 2) */
  readonly backoff?: Backoff | ExponentialBackoffOptions;
  /**
   * Which tools are safe to run twice. Scope other tools in or out with `when(selector, retry(…))`.
   * @default hasIdempotencyHint: annotations say readOnlyHint or idempotentHint true
   */
  readonly isIdempotent?: (tool: ToolInfo) => boolean;
  /**
   * Which failures to retry. Failures from a MiddlewareError that is not retryable (INVALID_ARGUMENTS,
   * FORBIDDEN, CANCELLED, …) are never retried, whatever this says.
   * @default isTransientFailure: thrown errors that are unknown or retryable; never an `isError` answer
   */
  readonly shouldRetry?: (outcome: Outcome, ctx: ToolContext) => boolean;
  /** Caps retries at a share of calls; `false` turns it off. @default retryBudget() (20% of calls plus 10 per second, over 10 s) */
  readonly budget?: RetryBudget | RetryBudgetOptions | false;
  /** Send `notifications/progress` before each retry when the client sent a `progressToken`. @default false */
  readonly reportProgress?: boolean;
  /** Called before each backoff wait. A throwing hook never fails a call. @default none */
  readonly onRetry?: ((info: RetryInfo) => void) | undefined;
  /** Called when a failed call stops retrying. A throwing hook never fails a call. @default none */
  readonly onGiveUp?: ((info: GiveUpInfo) => void) | undefined;
}

const KNOWN_OPTIONS = [
  'retries',
  'maxRetryTimeMs',
  'backoff',
  'isIdempotent',
  'shouldRetry',
  'budget',
  'reportProgress',
  'onRetry',
  'onGiveUp',
] as const;

/** True when the tool's annotations declare it safe to repeat: `readOnlyHint` or `idempotentHint` true. */
export function hasIdempotencyHint(tool: ToolInfo): boolean {
  const annotations = tool.annotations;
  return (
    annotations !== undefined && (annotations.readOnlyHint === true || annotations.idempotentHint === true)
  );
}

/**
 * The default failure classifier: a thrown error that is unknown (core counts it as transient) or a
 * retryable MiddlewareError (TIMEOUT, UPSTREAM_ERROR, …). A returned result, `isError` or not, is an answer.
 */
export function isTransientFailure(outcome: Outcome): boolean {
  return outcome.kind === 'error' && outcome.result === undefined && outcome.retryable;
}

/**
 * Retries failed calls of idempotent tools with exponential full-jitter backoff, bounded by `retries`,
 * `maxRetryTimeMs`, a retry budget and the client's cancellation. The success path adds no timer, no
 * allocation and one clock read.
 */
export function retry(options: RetryOptions = {}): Middleware {
  const reader = readOptions('retry', options, KNOWN_OPTIONS);
  const retries = reader.integer('retries', { min: 0, max: 100, default: 2 });
  const maxRetryTimeMs = reader.integer('maxRetryTimeMs', { min: 0, max: 86_400_000, default: 15_000 });
  const rawBackoff = reader.raw('backoff');
  if (rawBackoff !== undefined && typeof rawBackoff !== 'function' && !isPlainObject(rawBackoff)) {
    reader.fail('backoff', 'a function (retry) => ms or { baseDelayMs, maxDelayMs, factor, random }');
  }
  const backoff: Backoff =
    typeof rawBackoff === 'function'
      ? (rawBackoff as Backoff)
      : exponentialBackoff(rawBackoff as ExponentialBackoffOptions | undefined, 'retry', 'backoff.');
  const isIdempotent = reader.function<(tool: ToolInfo) => boolean>('isIdempotent') ?? hasIdempotencyHint;
  const shouldRetry = reader.function<(outcome: Outcome, ctx: ToolContext) => boolean>('shouldRetry');
  const rawBudget = reader.raw('budget');
  let budget: RetryBudget | undefined;
  if (rawBudget === undefined) budget = retryBudget();
  else if (isBudget(rawBudget)) budget = rawBudget;
  else if (isPlainObject(rawBudget)) budget = retryBudget(rawBudget, 'retry', 'budget.');
  else if (rawBudget !== false) {
    reader.fail('budget', 'false, a RetryBudget or { ratio, minRetriesPerSecond, windowMs }');
  }
  const reportProgress = reader.boolean('reportProgress', false);
  const onRetry = reader.function<(info: RetryInfo) => void>('onRetry');
  const onGiveUp = reader.function<(info: GiveUpInfo) => void>('onGiveUp');

  // The default predicate reads two fields; a user predicate runs once per tool.
  const memo = isIdempotent === hasIdempotencyHint ? undefined : new WeakMap<ToolInfo, boolean>();
  const eligible = (tool: ToolInfo): boolean => {
    if (memo === undefined) return hasIdempotencyHint(tool);
    let answer = memo.get(tool);
    if (answer === undefined) {
      answer = isIdempotent(tool) === true;
      memo.set(tool, answer);
    }
    return answer;
  };

  const wants = (outcome: Outcome, ctx: ToolContext): boolean => {
    if (outcome.kind === 'success') return false;
    // A rejection that says "do not retry" (bad args, forbidden, cancelled) is final.
    if (outcome.code !== undefined && !outcome.retryable) return false;
    return shouldRetry === undefined ? isTransientFailure(outcome) : shouldRetry(outcome, ctx) === true;
  };

  const hook = <T>(ctx: ToolContext, name: string, fn: ((info: T) => void) | undefined, info: T): void => {
    if (fn === undefined) return;
    try {
      fn(info);
    } catch (cause) {
      ctx.emit({ type: 'warning', source: 'retry', message: `${name} hook threw`, cause });
    }
  };

  const giveUp = (ctx: ToolContext, attempts: number, reason: GiveUpReason, outcome: Outcome): void => {
    ctx.emit({ type: 'give-up', attempts, reason });
    hook(ctx, 'onGiveUp', onGiveUp, { ctx, attempts, reason, outcome });
  };

  const progress = (ctx: ToolContext, attempt: number, delayMs: number, outcome: Outcome): void => {
    const token = ctx.meta?.progressToken;
    if (!reportProgress || token === undefined) return;
    ctx.extra
      .sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken: token,
          progress: attempt - 1,
          total: retries,
          message: `retrying \`${ctx.tool.name}\` (attempt ${attempt} of ${retries + 1}) in ${delayMs} ms after ${errorTypeOf(outcome) ?? 'a failure'}`,
        },
      })
      .catch((cause: unknown) => {
        ctx.emit({ type: 'warning', source: 'retry', message: 'progress notification failed', cause });
      });
  };

  // The slow path, entered after the first failure. Returns the last answer or throws the last error.
  async function retrying(
    ctx: ToolContext,
    next: Next,
    first: Outcome,
    started: number,
  ): Promise<CallToolResult> {
    let outcome = first;
    for (let attempt = 1; ; attempt++) {
      if (!wants(outcome, ctx)) {
        // An answer (isError or not) ends the call quietly; a failure not to retry is a give-up.
        if (attempt > 1 && outcome.kind === 'error') giveUp(ctx, attempt, 'not-retryable', outcome);
        return settle(outcome);
      }
      if (ctx.signal.aborted) return cancelledDuringRetry(ctx, attempt, outcome);
      if (attempt > retries) {
        giveUp(ctx, attempt, 'exhausted', outcome);
        return settle(outcome);
      }
      const now = ctx.clock.now();
      const delayMs = Math.max(backoff(attempt), retryAfterMsOf(outcome));
      if (now + delayMs - started > maxRetryTimeMs) {
        giveUp(ctx, attempt, 'max-time', outcome);
        return settle(outcome);
      }
      if (budget !== undefined && !budget.withdraw(now)) {
        giveUp(ctx, attempt, 'budget', outcome);
        return settle(outcome);
      }
      ctx.emit({ type: 'retry', attempt: attempt + 1, delayMs, code: errorTypeOf(outcome) });
      hook(ctx, 'onRetry', onRetry, { ctx, attempt: attempt + 1, delayMs, outcome });
      progress(ctx, attempt + 1, delayMs, outcome);
      try {
        await sleep(ctx.clock, delayMs, ctx.signal);
      } catch {
        return cancelledDuringRetry(ctx, attempt, outcome);
      }
      try {
        const result = await next(ctx);
        if (result.isError !== true) return result;
        outcome = outcomeOfResult(result);
      } catch (error) {
        outcome = outcomeOfError(error);
      }
    }
  }

  function cancelledDuringRetry(ctx: ToolContext, attempts: number, outcome: Outcome): never {
    giveUp(ctx, attempts, 'cancelled', outcome);
    throw new MiddlewareError(
      'CANCELLED',
      `the call to tool \`${ctx.tool.name}\` was cancelled by the client`,
      {
        cause: outcome.error ?? ctx.signal.reason,
      },
    );
  }

  return async function retry(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    if (!eligible(ctx.tool)) return next(ctx);
    const started = ctx.clock.now();
    budget?.deposit(started);
    let result: CallToolResult;
    try {
      result = await next(ctx);
    } catch (error) {
      return retrying(ctx, next, outcomeOfError(error), started);
    }
    if (result.isError !== true) return result;
    return retrying(ctx, next, outcomeOfResult(result), started);
  };
}

function settle(outcome: Outcome): CallToolResult {
  if (outcome.result !== undefined) return outcome.result;
  throw outcome.error;
}

function retryAfterMsOf(outcome: Outcome): number {
  const fromError = isMiddlewareError(outcome.error) ? outcome.error.retryAfterMs : undefined;
  const fromResult = outcome.result === undefined ? undefined : errorDetailOf(outcome.result)?.retryAfterMs;
  return fromError ?? fromResult ?? 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBudget(value: unknown): value is RetryBudget {
  return (
    isPlainObject(value) && typeof value['deposit'] === 'function' && typeof value['withdraw'] === 'function'
  );
}
