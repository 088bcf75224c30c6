/**
 * The gateway's one `subscriptions/listen` stream on a 2026-07-28 upstream: list changes of every kind and
 * the updates of the resources its clients listen for, reported so the gateway's own listen streams hear
 * them. Re-listens when the stream drops, and reopens it when a client asks for a new resource URI.
 */
import type { Client } from '@modelcontextprotocol/client';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { MAX_LISTENED_URIS } from './modern-http.js';

/** A change the upstream announced on its `subscriptions/listen` stream: a list, or one resource's content. */
export type UpstreamChange = 'tools' | 'prompts' | 'resources' | { readonly updated: string };

const CHANGES: Readonly<Record<string, UpstreamChange>> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/prompts/list_changed': 'prompts',
  'notifications/resources/list_changed': 'resources',
};
const RELISTEN_MS = 1000;

/** One upstream listen stream, kept open. */
export class UpstreamListener {
  readonly #open: () => Promise<Client | undefined>;
  readonly #timeoutMs: number;
  #watching: { close(): Promise<void> } | undefined;
  #onChange: ((change: UpstreamChange) => void) | undefined;
  /** The URIs the gateway's listen streams name, each with how many streams name it. */
  readonly #resources = new Map<string, number>();
  #closed = false;

  /** `open` gives a client connected in 2026-07-28, or undefined when the upstream does not speak it. */
  constructor(open: () => Promise<Client | undefined>, timeoutMs: number) {
    this.#open = open;
    this.#timeoutMs = timeoutMs;
  }

  /** Opens the stream (if the upstream speaks 2026-07-28) and reports every change it hears to `onChange`. */
  async watch(onChange: (change: UpstreamChange) => void): Promise<void> {
    this.#onChange = onChange;
    if (this.#closed) return;
    let client: Client | undefined;
    try {
      client = await this.#open();
      if (client === undefined) return;
      const opened = client;
      client.fallbackNotificationHandler = (notification) => {
        const change = CHANGES[notification.method];
        if (change !== undefined) onChange(change);
        const uri = (notification.params as { uri?: unknown } | undefined)?.uri;
        if (notification.method === 'notifications/resources/updated' && typeof uri === 'string') {
          onChange({ updated: uri });
        }
        return Promise.resolve();
      };
      const resources = [...this.#resources.keys()];
      const subscription = await client.listen(
        {
          toolsListChanged: true,
          promptsListChanged: true,
          resourcesListChanged: true,
          ...(resources.length > 0 && { resourceSubscriptions: resources }),
        },
        { timeout: this.#timeoutMs },
      );
      this.#watching = {
        close: async () => {
          await subscription.close().catch(() => undefined);
          await opened.close().catch(() => undefined);
        },
      };
      void subscription.closed.then(async (how) => {
        await opened.close().catch(() => undefined);
        if (how !== 'local' && !this.#closed) this.#relisten(onChange);
      });
    } catch {
      await client?.close().catch(() => undefined);
      if (!this.#closed) this.#relisten(onChange);
    }
  }

  /**
   * Makes the stream cover `uris` too (it is opened again when a URI is new) until the returned release
   * is called. Throws, holding nothing, when the new URIs would make the gateway listen for more than
   * MAX_LISTENED_URIS in all: the stream asking is refused, so no URI goes unheard without a word.
   */
  listenFor(uris: readonly string[]): () => void {
    const named = [...new Set(uris)];
    this.roomFor(named);
    const before = this.#resources.size;
    for (const uri of named) this.#resources.set(uri, (this.#resources.get(uri) ?? 0) + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      // The stream keeps hearing released URIs until it is next opened: nobody is told of them any more.
      for (const uri of named) {
        const count = (this.#resources.get(uri) ?? 1) - 1;
        if (count === 0) this.#resources.delete(uri);
        else this.#resources.set(uri, count);
      }
    };
    const onChange = this.#onChange;
    if (this.#resources.size === before || onChange === undefined || this.#closed) return release;
    const previous = this.#watching;
    this.#watching = undefined;
    void (async () => {
      await this.watch(onChange);
      await previous?.close();
    })();
    return release;
  }

  /** Throws a {@link ListenRefusal} when the URIs of `uris` not held yet do not fit; holds nothing. */
  roomFor(uris: readonly string[]): void {
    let fresh = 0;
    for (const uri of new Set(uris)) if (!this.#resources.has(uri)) fresh += 1;
    if (this.#resources.size + fresh > MAX_LISTENED_URIS) throw new ListenRefusal(fresh);
  }

  #relisten(onChange: (change: UpstreamChange) => void): void {
    const timer = setTimeout(() => void this.watch(onChange), RELISTEN_MS);
    timer.unref();
  }

  /** Closes the stream; no more re-listening. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#watching?.close();
  }
}

/**
 * The refusal of a listen whose new URIs do not fit: JSON-RPC -32603 with `data.limit`. It does not say how
 * many URIs are held: those are other callers' listens.
 */
export class ListenRefusal extends Error {
  readonly code = ErrorCode.InternalError;
  readonly data: { readonly limit: number; readonly adding: number };

  constructor(adding: number) {
    super(
      `the gateway cannot listen for the ${adding} new resource URIs this listen names: it listens for at most ` +
        `${MAX_LISTENED_URIS} for all listen streams together. Name fewer new URIs, or listen again once ` +
        'other listens have closed',
    );
    this.name = 'ListenRefusal';
    this.data = { limit: MAX_LISTENED_URIS, adding };
  }
}
