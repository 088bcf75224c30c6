/**
 * cache()'s options, declared once (the package's `./options` export): the factory's check, the config
 * file's validation and its JSON Schema come from here.
 */
import { declareOptions, integer, oneOf, operations, value } from '@mcp-middleware/core/options';
import type { CacheOptions } from './options.js';

/** Every option of {@link CacheOptions}: kind, range, default, and one line of doc. */
export const CACHE_OPTIONS = declareOptions<CacheOptions>()('cache', {
  ttlMs: integer({ min: 1, default: 60_000, doc: 'how long a result is served as fresh, in milliseconds' }),
  staleWhileRevalidateMs: integer({
    min: 0,
    default: 0,
    doc: 'after ttlMs, how long the old result is served while one call refreshes it',
  }),
  maxEntries: integer({ min: 1, max: 2 ** 24, default: 10_000, doc: 'entries in the memory store' }),
  maxBytes: integer({ min: 1, default: 67_108_864, doc: 'bytes of JSON in the memory store' }),
  maxEntryBytes: integer({
    min: 1,
    default: 1_048_576,
    doc: 'results whose JSON is larger are never stored',
  }),
  maxArgsChars: integer({
    min: 16,
    default: 65_536,
    doc: 'args whose canonical JSON is longer bypass the cache (with a warning)',
  }),
  scope: oneOf(['principal', 'shared'], {
    default: 'principal',
    orFunction: true,
    doc: 'principal (each caller its own entries) or shared',
  }),
  cacheable: value({ doc: 'which tools are cached (default: tools annotated readOnlyHint)' }),
  store: value({ doc: 'where results live (default: a memory store)', inFile: false }),
  operations: operations(['tools/call', 'resources/read'], {
    default: ['tools/call'],
    doc: 'which requests are cached: tools/call and, opt-in, resources/read',
  }),
  invalidateOnWrite: oneOf(['principal', 'all', 'none'], {
    default: 'principal',
    doc: "what a write invalidates: the caller's reads (and shared ones), all, or none",
  }),
  invalidates: value({
    default: {},
    doc: '{ "<write tool glob>": [read tool globs] }: the reads a write invalidates instead',
  }),
});
