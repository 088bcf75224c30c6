/** The default store: an in-process map with expiry on the middleware's clock, bounded by entry count. */
import { readOptions, systemClock, type CallToolResult, type Clock } from '@mcp-middleware/core';
import type { CompletedRecord, IdempotencyRecord, IdempotencyStore } from './store.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most keys kept; the oldest goes first (a key evicted early runs again if repeated).
   * @default 10000
   */
  readonly maxEntries?: number | undefined;
  /**
   * The clock expiry is measured on (tests pass `manualClock()`).
   * @default systemClock
   */
  readonly clock?: Clock | undefined;
}

/** The memory store: every operation answers synchronously. */
export interface MemoryStore extends IdempotencyStore {
  claim(key: string, claim: IdempotencyRecord, ttlMs: number): IdempotencyRecord | undefined;
  get(key: string): IdempotencyRecord | undefined;
  complete(key: string, owner: string, record: CompletedRecord, ttlMs: number): void;
  release(key: string, owner: string): void;
  /** Keys held now (expired ones included until touched or evicted). */
  readonly size: number;
}

interface Slot {
  readonly record: IdempotencyRecord;
  readonly expiresAt: number;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/**
 * An in-process store: one replica only. Results are frozen copies parsed from their JSON, so nothing a
 * handler or a caller does to its own object reaches the store.
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const read = readOptions('memoryStore', options, ['maxEntries', 'clock']);
  const maxEntries = read.integer('maxEntries', { min: 1, max: 2 ** 24, default: 10_000 });
  const clock = (read.raw('clock') as Clock | undefined) ?? systemClock;
  const slots = new Map<string, Slot>();

  function live(key: string): Slot | undefined {
    const slot = slots.get(key);
    if (slot === undefined || slot.expiresAt > clock.now()) return slot;
    slots.delete(key);
    return undefined;
  }

  function put(key: string, record: IdempotencyRecord, ttlMs: number): void {
    slots.delete(key); // re-inserted last: Map order is age order
    slots.set(key, { record, expiresAt: clock.now() + ttlMs });
    if (slots.size > maxEntries) slots.delete(slots.keys().next().value as string);
  }

  return {
    name: 'memory',
    get size() {
      return slots.size;
    },
    claim(key, claim, ttlMs) {
      const slot = live(key);
      if (slot !== undefined) return slot.record;
      put(key, claim, ttlMs);
      return undefined;
    },
    get: (key) => live(key)?.record,
    complete(key, owner, record, ttlMs) {
      if (live(key)?.record.owner !== owner) return; // the claim expired and another run holds the key
      const result = deepFreeze(JSON.parse(record.json) as CallToolResult);
      put(key, { fingerprint: record.fingerprint, owner, at: record.at, result }, ttlMs);
    },
    release(key, owner) {
      if (live(key)?.record.owner === owner) slots.delete(key);
    },
  };
}
