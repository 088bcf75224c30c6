/**
 * The gateway's one `subscriptions/listen` stream on a 2026-07-28 upstream: list changes of every kind and
 * the updates of the resources its clients listen for, reported so the gateway's own listen streams hear
 * them. Re-listens when the stream drops, and reopens it when a client asks for a new resource URI.
 */
import type { Client } from '@modelcontextprotocol/client';
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
  readonly #resources = new Set<string>();
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
      const resources = [...this.#resources];
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

  /** Makes the stream cover `uris` too; it is opened again when the set grows. */
  listenFor(uris: readonly string[]): void {
    const before = this.#resources.size;
    // One listen names at most MAX_LISTENED_URIS (modern-admission.ts); past that in all, new ones are not heard.
    for (const uri of uris) {
      if (this.#resources.size >= MAX_LISTENED_URIS) break;
      this.#resources.add(uri);
    }
    const onChange = this.#onChange;
    if (this.#resources.size === before || onChange === undefined || this.#closed) return;
    const previous = this.#watching;
    this.#watching = undefined;
    void (async () => {
      await this.watch(onChange);
      await previous?.close();
    })();
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
