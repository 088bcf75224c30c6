/** How a served-from-cache result is marked, on a copy: the stored value is never touched. */
import type { CallToolResult } from '@mcp-middleware/core';

/** The `_meta` key that marks a result served from the cache. */
export const CACHE_META_KEY = 'io.github.mcp-middleware/cache';

/** What a served-from-cache result carries in `_meta[CACHE_META_KEY]`. */
export interface CacheMeta {
  readonly hit: true;
  /** How long ago the result was stored, by the pipeline's clock. */
  readonly ageMs: number;
  /** Present when the result is past `ttlMs` and a refresh runs in the background. */
  readonly stale?: true;
}

/** A shallow copy of `value` whose `_meta` also carries the cache mark. */
export function marked(value: CallToolResult, ageMs: number, stale: boolean): CallToolResult {
  const mark: CacheMeta = stale ? { hit: true, ageMs, stale: true } : { hit: true, ageMs };
  const own = value._meta;
  // Literal keys (not computed ones) keep these objects in V8's fast mode.
  const _meta =
    own === undefined
      ? { 'io.github.mcp-middleware/cache': mark }
      : { ...own, 'io.github.mcp-middleware/cache': mark };
  return { ...value, _meta };
}

/** True for a promise (or thenable), so synchronous stores answer without an await. */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}
