/** A bounded cache of verified tokens that never serves an entry past its token's expiry. */

interface Entry<V> {
  readonly token: string;
  readonly value: V;
  readonly expiresAtMs: number;
}

/**
 * A bucket number from the tail of the token (its signature, where the entropy is), so a lookup neither
 * hashes nor copies the whole token; the entry's full token is then compared. Two live tokens that share a
 * bucket only evict each other (a cache miss), never answer for each other.
 */
export function bucketOf(token: string): number {
  const n = token.length;
  let hash = n;
  for (let i = Math.max(0, n - 13); i < n; i++) hash = (Math.imul(hash, 31) + token.charCodeAt(i)) | 0;
  return hash & 0x3fffffff;
}

/**
 * Verified tokens by their exact text. Entries live until the token's `exp` or `maxAgeMs` after
 * verification, whichever comes first; when full, the oldest entry goes. A hit costs a Map lookup by a
 * small number and one string comparison.
 */
export class TokenCache<V> {
  readonly #entries = new Map<number, Entry<V>>();
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
    const bucket = bucketOf(token);
    const entry = this.#entries.get(bucket);
    if (entry === undefined || entry.token !== token) return undefined;
    if (entry.expiresAtMs > nowMs) return entry.value;
    this.#entries.delete(bucket);
    return undefined;
  }

  /** Caches `value` until `expiresAtMs` (capped at `maxAgeMs` from `nowMs`); ignores already-expired ones. */
  set(token: string, value: V, expiresAtMs: number, nowMs: number): void {
    if (this.#maxEntries === 0) return;
    const until = Math.min(expiresAtMs, nowMs + this.#maxAgeMs);
    if (until <= nowMs) return;
    const bucket = bucketOf(token);
    this.#entries.delete(bucket);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(bucket, { token, value, expiresAtMs: until });
  }

  /** Forgets every entry (after a key is revoked, for instance). */
  clear(): void {
    this.#entries.clear();
  }
}
