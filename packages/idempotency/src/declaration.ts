/**
 * idempotency()'s options, declared once (the package's `./options` export): the factory's check, the
 * config file's validation and its JSON Schema come from here.
 */
import { boolean, declareOptions, integer, oneOf, value } from '@mcp-middleware/core/options';
import type { IdempotencyOptions } from './options.js';

/** Every option of {@link IdempotencyOptions}: kind, range, default, and one line of doc. */
export const IDEMPOTENCY_OPTIONS = declareOptions<IdempotencyOptions>()('idempotency', {
  tools: value({
    doc: 'the tools that take idempotency keys (globs; default: every tool without readOnlyHint)',
  }),
  keyArgs: value({
    default: {},
    doc: '{ "<tool glob>": [arg names] }: a key derived from args when _meta carries none',
  }),
  ttlMs: integer({
    min: 1,
    default: 86_400_000,
    doc: 'how long a completed result answers repeats of its key',
  }),
  pendingTtlMs: integer({
    min: 1,
    default: 300_000,
    doc: 'how long a claim lasts while the first call runs (frees keys of a dead replica)',
  }),
  waitMs: integer({
    min: 0,
    default: 30_000,
    doc: "how long a repeat waits for another replica's run before it is refused as still running",
  }),
  pollMs: integer({ min: 1, default: 100, doc: 'how often a waiting repeat asks the store again' }),
  storeToolErrors: boolean({ default: false, doc: 'also answer repeats with a stored isError result' }),
  onStoreError: oneOf(['refuse', 'run'], {
    default: 'refuse',
    doc: 'on a store outage: refuse the write (never twice) or run it without a key',
  }),
  maxKeyChars: integer({ min: 8, max: 4096, default: 256, doc: 'longest key accepted from _meta' }),
  store: value({ doc: 'where keys and results live (default: in memory)', inFile: false }),
});
