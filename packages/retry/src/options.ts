/** retry() options: the interface users write, and its checked, resolved form (read once per factory). */
import { ConfigError, type RequestContext, type ToolInfo, type ToolSelector } from '@mcp-middleware/core';
import { readToolSelector, type Outcome } from '@mcp-middleware/core/helpers';
import { exponentialBackoff, type Backoff, type ExponentialBackoffOptions } from './backoff.js';
import { retryBudget, type RetryBudget, type RetryBudgetOptions } from './budget.js';
import type { GiveUpReason } from './give-up.js';
import { RETRY_OPTIONS } from './declaration.js';
import type { ResilientOperation } from './operations.js';

/** What `onRetry` receives, before the backoff wait. `ctx.operation` says which request is retried. */
export interface RetryInfo {
  readonly ctx: RequestContext;
  /** The attempt about to start: 2 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** The failure being retried. */
  readonly outcome: Outcome;
}

/** What `onGiveUp` receives; the caller gets the last failure. */
export interface GiveUpInfo {
  readonly ctx: RequestContext;
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
  /**
   * The overall deadline of the call: every attempt and every wait between them fit in this many
   * milliseconds. At the deadline the caller gets `TIMEOUT` (saying how many attempts ran) and the
   * signal below aborts; no retry starts whose wait would end after it. Per-attempt limits are
   * `timeout()` below retry. Applies to every call through retry, idempotent or not.
   * @default none: a call may take (retries + 1) attempts plus the waits
   */
  readonly totalTimeoutMs?: number | undefined;
  /** The delay before each retry: a function of the retry number, or exponential full-jitter options. @default exponentialBackoff() (100 ms base, 10 s cap, factor 2) */
  readonly backoff?: Backoff | ExponentialBackoffOptions;
  /**
   * Which tools are safe to run twice, so retry repeats their failed calls: a name glob (`!` negates), a
   * list of globs, annotations (`{ idempotentHint: true }`), a predicate over the tool, or `true` (every
   * tool) or `false` (none: reads and gets only). Asked once per tool; a predicate that throws leaves
   * the default to answer for that tool.
   * @default hasIdempotencyHint: annotations say readOnlyHint or idempotentHint true
   */
  readonly idempotent?: ToolSelector | boolean | undefined;
  /**
   * The predicate form of `idempotent`, its old name.
   * @deprecated Use `idempotent`, which takes this predicate as it is, or any other selector.
   */
  readonly isIdempotent?: ((tool: ToolInfo) => boolean) | undefined;
  /**
   * Which failures to retry. Failures from a MiddlewareError that is not retryable (INVALID_ARGUMENTS,
   * FORBIDDEN, CANCELLED, …) are never retried, whatever this says. If it throws, the default decides.
   * @default isTransientFailure: a failure core classifies as retryable; never a tool's own `isError` answer
   */
  readonly shouldRetry?: (outcome: Outcome, ctx: RequestContext) => boolean;
  /** Caps retries at a share of calls; `false` turns it off. A budget that throws allows no retry. @default retryBudget() (20% of calls plus 10 per second, over 10 s) */
  readonly budget?: RetryBudget | RetryBudgetOptions | false;
  /** Send `notifications/progress` before each retry when the client sent a `progressToken`. @default false */
  readonly reportProgress?: boolean;
  /** Called before each backoff wait. A throwing hook never fails a call. @default none */
  readonly onRetry?: ((info: RetryInfo) => void) | undefined;
  /** Called when a failed call stops retrying. A throwing hook never fails a call. @default none */
  readonly onGiveUp?: ((info: GiveUpInfo) => void) | undefined;
  /**
   * The requests retried: `tools/call` (idempotent tools only, see `idempotent`), `resources/read` and
   * `prompts/get` (reads: always safe to repeat; only thrown transient errors are retried, as these
   * requests have no `isError` answer).
   * @default ['tools/call', 'resources/read', 'prompts/get']
   */
  readonly operations?: readonly ResilientOperation[] | undefined;
}

/** True when the tool's annotations declare it safe to repeat: `readOnlyHint` or `idempotentHint` true. */
export function hasIdempotencyHint(tool: ToolInfo): boolean {
  const annotations = tool.annotations;
  return (
    annotations !== undefined && (annotations.readOnlyHint === true || annotations.idempotentHint === true)
  );
}

/** The options of one retry(), checked and with their defaults. */
export interface ResolvedRetryOptions {
  readonly retries: number;
  readonly maxRetryTimeMs: number;
  readonly totalTimeoutMs: number | undefined;
  readonly backoff: Backoff;
  /** `idempotent` (or its old name `isIdempotent`) compiled; `hasIdempotencyHint` by default. */
  readonly idempotent: (tool: ToolInfo) => boolean;
  readonly shouldRetry: ((outcome: Outcome, ctx: RequestContext) => boolean) | undefined;
  readonly budget: RetryBudget | undefined;
  readonly reportProgress: boolean;
  readonly onRetry: ((info: RetryInfo) => void) | undefined;
  readonly onGiveUp: ((info: GiveUpInfo) => void) | undefined;
  readonly operations: ReadonlySet<ResilientOperation>;
}

/** Checks `options` (a `ConfigError` naming the bad option) and resolves the defaults. */
export function readRetryOptions(options: RetryOptions): ResolvedRetryOptions {
  const { values, reader } = RETRY_OPTIONS.read(options);
  const {
    retries,
    maxRetryTimeMs,
    totalTimeoutMs,
    shouldRetry,
    reportProgress,
    onRetry,
    onGiveUp,
    operations,
  } = values;
  const rawBackoff = values.backoff;
  if (rawBackoff !== undefined && typeof rawBackoff !== 'function' && !isPlainObject(rawBackoff)) {
    reader.fail('backoff', 'a function (retry) => ms or { baseDelayMs, maxDelayMs, factor, random }');
  }
  const backoff: Backoff =
    typeof rawBackoff === 'function' ? rawBackoff : exponentialBackoff(rawBackoff, 'retry', 'backoff.');
  const idempotent = readIdempotent(values.idempotent, values.isIdempotent);
  const rawBudget: unknown = values.budget;
  let budget: RetryBudget | undefined;
  if (rawBudget === undefined) budget = retryBudget();
  else if (isBudget(rawBudget)) budget = rawBudget;
  else if (isPlainObject(rawBudget)) budget = retryBudget(rawBudget, 'retry', 'budget.');
  else if (rawBudget !== false) {
    reader.fail('budget', 'false, a RetryBudget or { ratio, minRetriesPerSecond, windowMs }');
  }
  return {
    retries,
    maxRetryTimeMs,
    totalTimeoutMs,
    backoff,
    idempotent,
    shouldRetry,
    budget,
    reportProgress,
    onRetry,
    onGiveUp,
    operations,
  };
}

const EVERY_TOOL = (): boolean => true;
const NO_TOOL = (): boolean => false;

function readIdempotent(
  idempotent: ToolSelector | boolean | undefined,
  isIdempotent: ((tool: ToolInfo) => boolean) | undefined,
): (tool: ToolInfo) => boolean {
  if (isIdempotent !== undefined && idempotent !== undefined) {
    throw new ConfigError(
      'isIdempotent',
      'retry: isIdempotent is the old name of idempotent; set idempotent only',
    );
  }
  if (idempotent === true) return EVERY_TOOL;
  if (idempotent === false) return NO_TOOL;
  if (idempotent === undefined) return isIdempotent ?? hasIdempotencyHint;
  return readToolSelector('retry', 'idempotent', idempotent, hasIdempotencyHint);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBudget(value: unknown): value is RetryBudget {
  return (
    isPlainObject(value) && typeof value['deposit'] === 'function' && typeof value['withdraw'] === 'function'
  );
}
