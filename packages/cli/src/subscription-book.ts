/**
 * Who holds which resource URIs on the shared upstream connection: 2025 sessions and 2026-07-28 listen
 * streams alike, counted per URI, so each URI is subscribed upstream once.
 */

/** Holders per URI; says when a URI gains its first holder and loses its last. */
export class SubscriptionBook<Holder extends object> {
  readonly #byUri = new Map<string, Set<Holder>>();

  /** Records `holder` on `uri`; true when it is the URI's first holder (subscribe upstream). */
  add(holder: Holder, uri: string): boolean {
    const holders = this.#byUri.get(uri) ?? new Set<Holder>();
    this.#byUri.set(uri, holders);
    if (holders.has(holder)) return false;
    holders.add(holder);
    return holders.size === 1;
  }

  /** Forgets `holder` on `uri`; true when that was the URI's last holder (unsubscribe upstream). */
  remove(holder: Holder, uri: string): boolean {
    const holders = this.#byUri.get(uri);
    if (holders?.delete(holder) !== true || holders.size > 0) return false;
    this.#byUri.delete(uri);
    return true;
  }

  /** The holders of `uri`. */
  of(uri: string): ReadonlySet<Holder> {
    return this.#byUri.get(uri) ?? EMPTY;
  }

  /** How many URIs have a holder. */
  get size(): number {
    return this.#byUri.size;
  }

  /** Every URI with a holder. */
  uris(): IterableIterator<string> {
    return this.#byUri.keys();
  }
}

const EMPTY: ReadonlySet<never> = new Set();
