/** The default store: an in-process LRU (lru-cache 11) bounded by entry count and bytes. */
import { readOptions, type CallToolResult } from '@mcp-middleware/core';
import { LRUCache } from 'lru-cache';
import { ALL_PARTITIONS, partitionOf, type KeyFilter } from './keys.js';
import type { CacheEntry, CacheStore, StoredResult } from './store.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most entries kept; the least recently used goes first.
   * @default 10000
   */
  readonly maxEntries?: number | undefined;
  /**
   * Most bytes kept, counted as the UTF-8 JSON of each result plus its key (the heap holds more).
   * @default 67108864 (64 MiB)
   */
  readonly maxBytes?: number | undefined;
}

/** The memory store: every operation answers synchronously. */
export interface MemoryStore extends CacheStore {
  get(key: string): CacheEntry | undefined;
  set(key: string, result: StoredResult, ttlMs: number): void;
  delete(key: string): void;
  invalidate(filter: KeyFilter): number;
  bump(partitions: readonly string[]): void;
  /** Entries held now. */
  readonly size: number;
}

/** Defaults shared with `cache()`, which builds this store when none is given. */
export const MEMORY_DEFAULTS = Object.freeze({ maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 });

/** A partition's generation: a cell entries point to, so checking one is two property reads. */
interface Generation {
  n: number;
}

// An entry keeps the result's JSON and parses it on the first hit: most results of agent tool calls are
// never asked for again, and a miss then costs one JSON pass instead of three (stringify, parse, freeze).
class Held implements CacheEntry {
  #json: string | undefined;
  #value: CallToolResult | undefined;
  readonly storedAt: number;
  readonly generation: Generation;
  readonly at: number;
  readonly all: Generation;
  readonly allAt: number;

  constructor(json: string, storedAt: number, generation: Generation, all: Generation) {
    this.#json = json;
    this.storedAt = storedAt;
    this.generation = generation;
    this.at = generation.n;
    this.all = all;
    this.allAt = all.n;
  }

  /** A frozen copy parsed from the stored JSON, made once. */
  get value(): CallToolResult {
    if (this.#value === undefined) {
      this.#value = deepFreeze(JSON.parse(this.#json as string) as CallToolResult);
      this.#json = undefined;
    }
    return this.#value;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** Reads memory-store options for `factory`, so `cache()` and `memoryStore()` check them alike. */
export function readMemoryOptions(
  factory: string,
  options: MemoryStoreOptions,
): { maxEntries: number; maxBytes: number } {
  const read = readOptions(factory, options, ['maxEntries', 'maxBytes']);
  return {
    maxEntries: read.integer('maxEntries', { min: 1, max: 2 ** 24, default: MEMORY_DEFAULTS.maxEntries }),
    maxBytes: read.integer('maxBytes', { min: 1, default: MEMORY_DEFAULTS.maxBytes }),
  };
}

/**
 * An in-process store. Each value is a frozen copy parsed from the result's JSON (on its first hit), so
 * nothing the handler or a caller does to its own object reaches the cache. Expiry is the middleware's (it reads `ctx.clock`).
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const { maxEntries, maxBytes } = readMemoryOptions('memoryStore', options);
  // Bounded by bytes in lru-cache and by count here: given `max`, lru-cache allocates its arrays for every
  // entry up front (hundreds of MB for the largest maxEntries, before anything is stored).
  const lru = new LRUCache<string, Held>({ maxSize: maxBytes });
  // Generations: an entry is fresh while its partition's cell and the all-partitions cell still hold the
  // numbers it was stored under. A write bumps a cell: no entry is visited.
  let all: Generation = { n: 0 };
  const generations = new Map<string, Generation>();

  function generationOf(partition: string): Generation {
    let generation = generations.get(partition);
    if (generation === undefined) {
      // Bounded: past maxEntries cells, every entry is made stale at once and the cells start afresh.
      if (generations.size >= maxEntries) {
        all.n++;
        all = { n: 0 };
        generations.clear();
      }
      generation = { n: 0 };
      generations.set(partition, generation);
    }
    return generation;
  }

  return {
    name: 'memory',
    get size() {
      return lru.size;
    },
    get(key) {
      const held = lru.get(key);
      return held === undefined || (held.generation.n === held.at && held.all.n === held.allAt)
        ? held
        : undefined;
    },
    set(key: string, result: StoredResult): void {
      const held = new Held(result.json, result.storedAt, generationOf(partitionOf(key)), all);
      // lru-cache refuses (and drops any old value) when one entry alone exceeds maxBytes.
      lru.set(key, held, { size: result.bytes + key.length });
      if (lru.size > maxEntries) lru.pop();
    },
    bump(partitions: readonly string[]): void {
      for (const partition of partitions) {
        if (partition === ALL_PARTITIONS) all.n++;
        else {
          const generation = generations.get(partition);
          if (generation !== undefined) generation.n++;
        }
      }
    },
    delete(key: string): void {
      lru.delete(key);
    },
    invalidate(filter: KeyFilter): number {
      const doomed: string[] = [];
      for (const key of lru.keys()) if (filter.matches(key)) doomed.push(key);
      for (const key of doomed) lru.delete(key);
      return doomed.length;
    },
  };
}
