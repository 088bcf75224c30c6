/** A bounded cache of verified tokens that never serves an entry past its token's expiry. */

interface Entry<V> {
  readonly value: V;
  readonly expiresAtMs: number;
}

/**
 * Verified tokens by their exact text. Entries live until the token's `exp` or `maxAgeMs` after
 * verification, whichever comes first; when full, the oldest entry goes (a hit costs one Map lookup).
 */
export class TokenCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;

  constructor(maxEntries: number, maxAgeMs: number) {
    this.#maxEntries = maxEntries;
    this.#maxAgeMs = maxAgeMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached value, unless it has expired by `nowMs` (then it is dropped). */
  get(token: string, nowMs: number): V | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > nowMs) return entry.value;
    this.#entries.delete(token);
    return undefined;
  }

  /** Caches `value` until `expiresAtMs` (capped at `maxAgeMs` from `nowMs`); ignores already-expired ones. */
  set(token: string, value: V, expiresAtMs: number, nowMs: number): void {
    if (this.#maxEntries === 0) return;
    const until = Math.min(expiresAtMs, nowMs + this.#maxAgeMs);
    if (until <= nowMs) return;
    this.#entries.delete(token);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { value, expiresAtMs: until });
  }

  /** Forgets every entry (after a key is revoked, for instance). */
  clear(): void {
    this.#entries.clear();
  }
}
