/**
 * rateLimit()'s and concurrencyLimit()'s options, declared once (the package's `./options` export): the
 * factories' checks, the config file's validation and its JSON Schema come from here.
 */
import { declareOptions, fn, integer, oneOf, operations, string, value } from '@mcp-middleware/core/options';
import type { ConcurrencyLimitOptions } from './concurrency-options.js';
import { LIMITABLE } from './operations.js';
import type { RateLimitOptions } from './rate-limit-options.js';

const LIMIT_OPERATIONS = operations(LIMITABLE, {
  default: ['tools/call'],
  doc: 'which requests count: tools/call, and opt-in resources/read, prompts/get, completion/complete',
});
const KEY_BY_DOC = 'who shares a limit: principal, tool, client, session, global, or a list of them';

/** Every option of {@link RateLimitOptions}: kind, range, default, and one line of doc. */
export const RATE_LIMIT_OPTIONS = declareOptions<RateLimitOptions>()('rateLimit', {
  limit: integer({ min: 1, max: 1e9, required: true, doc: 'points per key per window' }),
  windowMs: integer({ min: 1, default: 60_000, doc: 'window length in milliseconds' }),
  cost: integer({
    min: 0,
    default: 1,
    orFunction: true,
    doc: 'points per call (a function of the call in code)',
  }),
  keyBy: value({ default: ['principal', 'tool'], doc: KEY_BY_DOC }),
  mode: oneOf(['reject', 'queue'], {
    default: 'reject',
    doc: 'reject answers at once; queue waits for room',
  }),
  maxWaitMs: integer({
    min: 0,
    default: 10_000,
    onlyWhen: { key: 'mode', is: 'queue' },
    doc: 'queue mode only: the longest a call waits, in milliseconds',
  }),
  store: value({ doc: 'where counters live (default: in memory)', inFile: false }),
  onStoreError: oneOf(['memory-fallback', 'fail-open', 'fail-closed'], {
    default: 'memory-fallback',
    doc: 'when the store fails: memory-fallback, fail-open or fail-closed',
  }),
  name: string({
    doc: 'names this limiter’s counters in a shared store (default: <limit>-per-<windowMs>ms)',
  }),
  clock: value({ doc: 'the time source (default: the call’s ctx.clock)', inFile: false }),
  onReject: fn('called for every rejected call'),
  operations: LIMIT_OPERATIONS,
});

/** Every option of {@link ConcurrencyLimitOptions}: kind, range, default, and one line of doc. */
export const CONCURRENCY_LIMIT_OPTIONS = declareOptions<ConcurrencyLimitOptions>()('concurrencyLimit', {
  max: integer({ min: 1, required: true, doc: 'calls per key in progress at once' }),
  queue: integer({ min: 0, default: 0, doc: 'calls per key that may wait for a slot, first in first out' }),
  queueTimeoutMs: integer({
    min: 1,
    default: 10_000,
    doc: 'the longest a queued call waits, in milliseconds',
  }),
  keyBy: value({ default: 'tool', doc: KEY_BY_DOC }),
  clock: value({ doc: 'the time source (default: the call’s ctx.clock)', inFile: false }),
  onReject: fn('called for every rejected call'),
  operations: LIMIT_OPERATIONS,
});
