/** The store contract behind `cache()`: memory (lru-cache) by default, Redis, or your own. */
import type { CallToolResult } from '@mcp-middleware/core';
import type { KeyFilter } from './keys.js';

/** A stored result as a store hands it back. */
export interface CacheEntry {
  /** The result; never mutated by the middleware, which marks hits on a copy. */
  readonly value: CallToolResult;
  /** When it was stored, in milliseconds of the storing call's clock. */
  readonly storedAt: number;
}

/** What the middleware asks a store to keep. */
export interface StoredResult {
  /** The handler's own object: keep `json` (or a copy of it), not this reference. */
  readonly value: CallToolResult;
  /** `JSON.stringify(value)`. */
  readonly json: string;
  /** UTF-8 length of `json`. */
  readonly bytes: number;
  readonly storedAt: number;
}

/**
 * Where results live. `get` may answer synchronously (memory: no await on a hit) or with a promise
 * (Redis). A store that throws or rejects never fails a call: the middleware bypasses it with a warning.
 */
export interface CacheStore {
  /** A short name for warnings, e.g. `memory` or `redis`. */
  readonly name: string;
  get(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined>;
  /** Keeps `result` under `key` for at least `ttlMs` (freshness plus the stale window). */
  set(key: string, result: StoredResult, ttlMs: number): void | Promise<void>;
  /** Removes one entry the middleware found expired; stores with their own expiry may omit it. */
  delete?(key: string): void | Promise<void>;
  /** Removes the entries `filter` selects; answers how many. */
  invalidate(filter: KeyFilter): number | Promise<number>;
  /**
   * Makes every entry of `partitions` (encoded partitions, or `'*'` for all) stale at once, without
   * finding them: entries carry the generation of their partition they were read under, a write bumps it.
   * Stores without it are invalidated by `invalidate` (a scan) instead.
   */
  bump?(partitions: readonly string[]): void | Promise<void>;
}
