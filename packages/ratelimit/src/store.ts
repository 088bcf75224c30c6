/** The store contract behind rateLimit(): a fixed-window counter per key, in memory or shared (Redis). */

/** What a store answers for one call. */
export interface WindowState {
  /** True when the call fitted in the key's window and was counted. */
  readonly allowed: boolean;
  /** Points left in the key's current window after this call. */
  readonly remaining: number;
  /** Milliseconds until the key's window ends and its points come back. */
  readonly resetInMs: number;
}

/** One limiter's settings, handed to {@link RateLimitStore.bind} once when `rateLimit()` runs. */
export interface WindowSettings {
  /** Points per window. */
  readonly limit: number;
  readonly windowMs: number;
  /** Names this limiter's counters in a shared store (see `RateLimitOptions.name`). */
  readonly name: string;
}

/** Counts points for keys within one limiter's window. */
export interface WindowCounter {
  /**
   * Counts `cost` points for `key` at `nowMs`. Answers synchronously when it can (memory); a promise
   * rejects, or a call throws, only when the store itself failed.
   */
  consume(key: string, cost: number, nowMs: number): WindowState | Promise<WindowState>;
}

/** Where rate-limit counters live: `memoryStore()` (the default) or `redisStore({ client })`. */
export interface RateLimitStore {
  /** `'memory'` for stores that never fail; anything else gets the `onStoreError` policy. */
  readonly kind: string;
  /** Creates the counter for one limiter; throws a ConfigError when the store cannot honour the settings. */
  bind(settings: WindowSettings): WindowCounter;
}
