/** The options of `cache()`, checked once when the factory runs (declared in declaration.ts). */
import { ConfigError, type ToolInfo, type ToolSelector } from '@mcp-middleware/core';
import { describeValue, readToolSelector } from '@mcp-middleware/core/helpers';
import { CACHE_OPTIONS } from './declaration.js';
import type { InvalidationOptions } from './invalidation.js';
import { memoryStore } from './memory-store.js';
import type { CacheStore } from './store.js';

/** Whose calls share a cached result: the caller's principal only, or everyone. */
export type CacheScope = 'principal' | 'shared';

/** Options of `cache()`. */
export interface CacheOptions extends InvalidationOptions {
  /**
   * How long a result is served as fresh.
   * @default 60000
   */
  readonly ttlMs?: number | undefined;
  /**
   * After `ttlMs`, how long the old result is still served (marked stale) while one background call
   * refreshes it.
   * @default 0
   */
  readonly staleWhileRevalidateMs?: number | undefined;
  /**
   * Most entries of the default memory store (with `store`, size that store instead).
   * @default 10000
   */
  readonly maxEntries?: number | undefined;
  /**
   * Most bytes of the default memory store: UTF-8 JSON of each result plus its key.
   * @default 67108864 (64 MiB)
   */
  readonly maxBytes?: number | undefined;
  /**
   * Results whose JSON is larger are never cached.
   * @default 1048576 (1 MiB)
   */
  readonly maxEntryBytes?: number | undefined;
  /**
   * Args whose canonical JSON is longer bypass the cache (with a warning); keys stay bounded regardless.
   * @default 65536
   */
  readonly maxArgsChars?: number | undefined;
  /**
   * `'principal'`: each principal (else each OAuth client, else the anonymous callers together) has its
   * own results. `'shared'`: one result for everyone; choose it per tool, e.g. with a function.
   * @default 'principal'
   */
  readonly scope?: CacheScope | ((tool: ToolInfo) => CacheScope) | undefined;
  /**
   * Which tools are cached: a name glob (`!` negates), a list of globs, annotations, or a predicate over
   * the tool.
   * @default { readOnlyHint: true }
   */
  readonly cacheable?: ToolSelector | undefined;
  /**
   * Where results live.
   * @default memoryStore({ maxEntries, maxBytes })
   */
  readonly store?: CacheStore | undefined;
  /**
   * Which requests are cached: `tools/call` (the tools `cacheable` picks) and, opt-in, `resources/read`
   * (every URI, keyed by URI and partitioned like tool results: per principal unless `scope: 'shared'`).
   * Reads are opt-in because a resource may change without a write through this pipeline.
   * @default ['tools/call']
   */
  readonly operations?: readonly CachedOperation[] | undefined;
}

/** The requests cache() can answer from its store. */
export type CachedOperation = 'tools/call' | 'resources/read';

/** Options after checking, with defaults applied. */
export interface ResolvedOptions {
  readonly ttlMs: number;
  readonly staleWhileRevalidateMs: number;
  readonly maxEntryBytes: number;
  readonly maxArgsChars: number;
  readonly scope: (tool: ToolInfo) => unknown;
  readonly cacheable: (tool: ToolInfo) => boolean;
  readonly store: CacheStore;
  /** True when `resources/read` is cached. */
  readonly reads: boolean;
  /** True when reads share one partition (`scope: 'shared'`). */
  readonly readsShared: boolean;
}

function readStore(store: unknown): CacheStore {
  const shaped =
    typeof store === 'object' &&
    store !== null &&
    ['get', 'set', 'invalidate'].every((m) => typeof (store as Record<string, unknown>)[m] === 'function');
  if (!shaped) {
    throw new ConfigError(
      'store',
      `cache: store must be a CacheStore (memoryStore(), redisStore() or an object with get, set and ` +
        `invalidate), got ${describeValue(store)}`,
    );
  }
  return store as CacheStore;
}

/** Checks `options` (a `ConfigError` naming the bad option) and applies defaults. */
export function resolveOptions(options: CacheOptions): ResolvedOptions {
  const { values, reader: read } = CACHE_OPTIONS.read(options);
  const { ttlMs, staleWhileRevalidateMs, maxEntryBytes, maxArgsChars, scope, operations } = values;

  const cacheable = readToolSelector('cache', 'cacheable', read.raw('cacheable'), { readOnlyHint: true });

  let store: CacheStore;
  if (read.has('store')) {
    if (read.has('maxEntries') || read.has('maxBytes')) {
      throw new ConfigError(
        read.has('maxEntries') ? 'maxEntries' : 'maxBytes',
        'cache: maxEntries and maxBytes size the default memory store; with store, pass them to ' +
          'memoryStore({ maxEntries, maxBytes }) instead',
      );
    }
    store = readStore(read.raw('store'));
  } else {
    store = memoryStore({ maxEntries: values.maxEntries, maxBytes: values.maxBytes });
  }

  const tools = operations.has('tools/call');

  return {
    ttlMs,
    staleWhileRevalidateMs,
    maxEntryBytes,
    maxArgsChars,
    scope: typeof scope === 'function' ? scope : () => scope,
    cacheable: tools ? cacheable : () => false,
    store,
    reads: operations.has('resources/read'),
    readsShared: scope === 'shared',
  };
}
