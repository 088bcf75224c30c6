/**
 * retry()'s options, declared once (the package's `./options` export): the factory's check, the config
 * file's validation and its JSON Schema come from here.
 */
import {
  boolean,
  declareOptions,
  fn,
  integer,
  nested,
  number,
  operations,
  value,
} from '@mcp-middleware/core/options';
import type { ExponentialBackoffOptions } from './backoff.js';
import type { RetryBudgetOptions } from './budget.js';
import { OPERATIONS } from './operations.js';
import type { RetryOptions } from './options.js';

const MAX_TIMER_MS = 2_147_483_647;
// The budget counts in ten buckets: a window shorter than ten milliseconds has empty ones.
const BUCKETS = 10;

/** Every option of {@link ExponentialBackoffOptions}. */
export const BACKOFF_OPTIONS = declareOptions<ExponentialBackoffOptions>()('exponentialBackoff', {
  baseDelayMs: integer({
    min: 0,
    max: MAX_TIMER_MS,
    default: 100,
    doc: 'the ceiling of the first retry’s delay',
  }),
  maxDelayMs: integer({
    min: 0,
    max: MAX_TIMER_MS,
    default: 10_000,
    atLeast: 'baseDelayMs',
    doc: 'no delay exceeds this (at least baseDelayMs)',
  }),
  factor: number({
    min: 1,
    max: 100,
    default: 2,
    doc: 'each retry’s ceiling is the previous one times this',
  }),
  random: fn('a number in [0, 1); inject a fixed one in tests (default: Math.random)'),
});

/** Every option of {@link RetryBudgetOptions}. */
export const BUDGET_OPTIONS = declareOptions<RetryBudgetOptions>()('retryBudget', {
  ratio: number({
    min: 0,
    max: 100,
    default: 0.2,
    doc: 'retries allowed per call in the window, above the floor',
  }),
  minRetriesPerSecond: number({
    min: 0,
    default: 10,
    doc: 'retries always allowed, per second of the window',
  }),
  windowMs: integer({
    min: BUCKETS,
    max: 86_400_000,
    default: 10_000,
    doc: 'how far back calls and retries count',
  }),
});

/** Every option of {@link RetryOptions}: kind, range, default, and one line of doc. */
export const RETRY_OPTIONS = declareOptions<RetryOptions>()('retry', {
  retries: integer({ min: 0, max: 100, default: 2, doc: 'retries after the first attempt' }),
  maxRetryTimeMs: integer({
    min: 0,
    max: 86_400_000,
    default: 15_000,
    doc: 'no retry starts later than this after the call began',
  }),
  totalTimeoutMs: integer({
    min: 1,
    max: MAX_TIMER_MS,
    doc: 'an overall deadline for every attempt and wait (default: none)',
  }),
  backoff: nested(BACKOFF_OPTIONS, {
    doc: '{ baseDelayMs, maxDelayMs, factor }: exponential with full jitter, or a function in code',
  }),
  idempotent: value({
    doc: 'which tools are safe to run twice: true, false, or tool globs ("!" negates) (default: readOnlyHint or idempotentHint)',
  }),
  isIdempotent: fn('deprecated: the old name of idempotent, for a predicate'),
  shouldRetry: fn('which failures to retry (default: isTransientFailure)'),
  budget: nested(BUDGET_OPTIONS, { orFalse: true, doc: '{ ratio, minRetriesPerSecond, windowMs } or false' }),
  reportProgress: boolean({ default: false, doc: 'send notifications/progress before each retry' }),
  onRetry: fn('called before each backoff wait'),
  onGiveUp: fn('called when a failed call stops retrying'),
  operations: operations(OPERATIONS, {
    doc: 'the requests it applies to: tools/call, resources/read, prompts/get',
  }),
});
