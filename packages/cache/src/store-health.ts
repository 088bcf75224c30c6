/** A store's health as its warnings tell it: one warning per outage window, and one when it answers again. */
import type { RequestContext } from '@mcp-middleware/core';
import { redactSecrets } from '@mcp-middleware/core/redact';
import type { CacheStore } from './store.js';

/** While a store keeps failing, at most one warning per this many ms (as rateLimit does). */
export const WARN_EVERY_MS = 10_000;

function reasonOf(error: unknown): string {
  try {
    return error instanceof Error ? `: ${redactSecrets(error.message)}` : '';
  } catch {
    return ''; // a revoked Proxy throws on any look
  }
}

/**
 * Whether one store is failing, shared by every `cache()` on that store: the first failure warns, later
 * ones within {@link WARN_EVERY_MS} only count (the next warning says how many), and the first answer after
 * an outage warns once that the store is back. Time is the failing call's `ctx.clock`.
 */
export class StoreHealth {
  /** True from a failure until the store answers again; read on the hot path before {@link answered}. */
  failing = false;
  #lastWarningAt = -Infinity;
  #unreported = 0;
  readonly #name: string;

  constructor(name: string) {
    this.#name = name;
  }

  /** Notes a failed read, write or delete; warns when no warning went out in the last window. */
  failed(ctx: RequestContext, what: string, error: unknown): void {
    const now = ctx.clock.now();
    if (this.failing && now - this.#lastWarningAt < WARN_EVERY_MS) {
      this.#unreported++;
      return;
    }
    const more =
      this.#unreported === 0 ? '' : ` (${this.#unreported} more store failures since the last warning)`;
    this.failing = true;
    this.#lastWarningAt = now;
    this.#unreported = 0;
    ctx.emit({
      type: 'warning',
      source: 'cache',
      message: `cache: the ${this.#name} store failed to ${what}${reasonOf(error)}; calls go on without the cache until it answers${more}`,
      cause: error,
    });
  }

  /** Notes an answer; after an outage, warns once that the store is back. */
  answered(ctx: RequestContext): void {
    if (!this.failing) return;
    this.failing = false;
    this.#lastWarningAt = -Infinity;
    this.#unreported = 0;
    ctx.emit({ type: 'warning', source: 'cache', message: `cache: the ${this.#name} store answers again` });
  }
}

const healths = new WeakMap<CacheStore, StoreHealth>();

/** The health of `store`, one per store object. */
export function healthOf(store: CacheStore): StoreHealth {
  let health = healths.get(store);
  if (health === undefined) {
    health = new StoreHealth(store.name);
    healths.set(store, health);
  }
  return health;
}
