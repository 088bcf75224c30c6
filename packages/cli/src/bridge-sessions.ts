/**
 * The upstream sessions the MRTR bridge runs calls on, kept idle between calls: one call at a time per
 * session (so whatever a session asks is its current call's), reused only for the same caller with the same
 * declared capabilities, at most {@link IDLE_SESSIONS} idle in all, each closed after {@link IDLE_MS} unused.
 * Opening a session costs an `initialize` round trip; a client that declares capabilities pays it on every
 * call without this.
 */
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConnection } from './upstream.js';

/** Idle sessions kept at most, across callers. */
export const IDLE_SESSIONS = 16;
/** How long an idle session is kept. */
export const IDLE_MS = 30_000;

interface Idle {
  readonly connection: UpstreamConnection;
  readonly timer: NodeJS.Timeout;
}

/** The key a session is reused under: who calls, and what the session declared upstream. */
export function sessionKey(principal: string | undefined, capabilities: ClientCapabilities): string {
  return JSON.stringify([principal ?? null, capabilities]);
}

/** Idle upstream sessions of the bridge, by {@link sessionKey}. */
export class BridgeSessions {
  readonly #open: (capabilities: ClientCapabilities) => Promise<UpstreamConnection>;
  readonly #idle = new Map<string, Idle[]>();
  #count = 0;

  constructor(open: (capabilities: ClientCapabilities) => Promise<UpstreamConnection>) {
    this.#open = open;
  }

  /** Sessions idle now. */
  get idle(): number {
    return this.#count;
  }

  /** An idle session for `key`, else a new one declaring `capabilities`. */
  take(key: string, capabilities: ClientCapabilities): Promise<UpstreamConnection> {
    const entry = this.#idle.get(key)?.at(-1);
    if (entry === undefined) return this.#open(capabilities);
    this.#remove(key, entry);
    return Promise.resolve(entry.connection);
  }

  /** Keeps `connection` (its call done) for the next call under `key`, or closes it when enough are kept. */
  give(key: string, connection: UpstreamConnection): void {
    if (this.#count >= IDLE_SESSIONS) {
      void connection.close().catch(() => undefined);
      return;
    }
    const timer = setTimeout(() => {
      this.#remove(key, entry);
      void connection.close().catch(() => undefined);
    }, IDLE_MS);
    timer.unref();
    const entry: Idle = { connection, timer };
    connection.onlost = () => this.#remove(key, entry);
    const list = this.#idle.get(key);
    if (list === undefined) this.#idle.set(key, [entry]);
    else list.push(entry);
    this.#count += 1;
  }

  #remove(key: string, entry: Idle): void {
    const list = this.#idle.get(key);
    const at = list?.indexOf(entry) ?? -1;
    if (list === undefined || at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) this.#idle.delete(key);
    this.#count -= 1;
    clearTimeout(entry.timer);
    entry.connection.onlost = undefined;
  }

  /** Closes every idle session (the upstream restarted, or the gateway is closing). */
  async close(): Promise<void> {
    const all = [...this.#idle.values()].flat();
    this.#idle.clear();
    this.#count = 0;
    for (const entry of all) clearTimeout(entry.timer);
    await Promise.allSettled(all.map((entry) => entry.connection.close()));
  }
}
