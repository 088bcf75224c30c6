/**
 * Resource subscriptions on the gateway's upstream connections: a 2025 session's `resources/subscribe` (on
 * its own connection, or counted per URI on the shared one), a 2026-07-28 listen stream's hold on the shared
 * connection for a 2025-only upstream, the relay of each update to exactly the holders of its URI, and the
 * re-subscription of a new connection after a restart. The session hub delegates here.
 */
import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import { MAX_LISTENED_URIS } from './modern-http.js';
import type { Session } from './session.js';
import { SubscriptionBook } from './subscription-book.js';
import { rethrowUpstream } from './tool-call.js';
import type { UpstreamConnection } from './upstream.js';

/** What the subscriptions ask of the session hub. */
export interface SubscriptionHost {
  /** The supervisor's connection, or undefined while the upstream is down. */
  shared(): UpstreamConnection | undefined;
  /** True when each session gets its own upstream connection. */
  readonly perSession: boolean;
  /** The connection that serves `session`; an InternalError while the upstream is down. */
  live(session: Session): Promise<UpstreamConnection>;
  /** Sends `notification` to `session`. */
  send(session: Session, notification: ServerNotification): void;
  /** An update of `uri`, which a 2026-07-28 listen stream holds on the shared connection. */
  readonly listened?: ((uri: string) => void) | undefined;
}

/** A 2026-07-28 `subscriptions/listen` stream's hold on resource URIs of the shared connection. */
class ListenHold {
  constructor(readonly uris: readonly string[]) {}
}

/** Who holds which resource URIs upstream, and the subscribe/unsubscribe requests that follow from it. */
export class ResourceSubscriptions {
  readonly #host: SubscriptionHost;
  // Shared connection only: which sessions and listen streams hold each URI (subscribed upstream once).
  readonly #subscribers = new SubscriptionBook<Session | ListenHold>();
  // The subscribe/unsubscribe requests on the shared connection, sent one after another.
  #subscribing: Promise<void> = Promise.resolve();

  constructor(host: SubscriptionHost) {
    this.#host = host;
  }

  /** Subscribes `session` to `uri`: on its own connection, or once per URI on the shared one. */
  async subscribe(session: Session, uri: string): Promise<void> {
    const connection = await this.#host.live(session);
    session.subscriptions.add(uri);
    if (session.own !== undefined) {
      await connection.client.subscribeResource({ uri }).catch(rethrowUpstream);
      return;
    }
    if (this.#subscribers.add(session, uri))
      await this.#inOrder(() => connection.client.subscribeResource({ uri })).catch(rethrowUpstream);
  }

  async unsubscribe(session: Session, uri: string): Promise<void> {
    session.subscriptions.delete(uri);
    if (session.own !== undefined || this.#host.perSession) {
      const connection = await session.own;
      await connection?.client.unsubscribeResource({ uri }).catch(rethrowUpstream);
      return;
    }
    if (!this.#subscribers.remove(session, uri)) return;
    await this.#inOrder(async () => {
      await this.#host.shared()?.client.unsubscribeResource({ uri });
    }).catch(rethrowUpstream);
  }

  /** A session is gone: its shared-connection subscriptions are released (an own connection's end with it). */
  async forget(session: Session): Promise<void> {
    if (this.#host.perSession) return;
    for (const uri of session.subscriptions) await this.unsubscribe(session, uri).catch(() => undefined);
  }

  /** A session's own connection is new: subscribe it to what the session subscribed to. */
  async reopen(session: Session, connection: UpstreamConnection): Promise<void> {
    for (const uri of session.subscriptions) await connection.client.subscribeResource({ uri });
  }

  /** Relays a shared connection's resource update to the sessions and listen streams holding its URI. */
  updated(notification: ServerNotification & { params: { uri: string } }): void {
    let listened = false;
    for (const holder of this.#subscribers.of(notification.params.uri)) {
      if (holder instanceof ListenHold) listened = true;
      else this.#host.send(holder, notification);
    }
    if (listened) this.#host.listened?.(notification.params.uri);
  }

  /**
   * Holds `uris` for a 2026-07-28 listen stream on the shared connection (a 2025-only upstream), counted
   * with the sessions' subscriptions; returns the release, which unsubscribes what no one else holds.
   */
  listen(uris: readonly string[]): () => void {
    const book = this.#subscribers;
    // Listen streams never make the connection hold more than MAX_LISTENED_URIS (sessions' URIs counted):
    // one stream cannot name more (modern-admission.ts); what several hold past it together is not heard.
    const fits = (uri: string): boolean => book.of(uri).size > 0 || book.size < MAX_LISTENED_URIS;
    const hold = new ListenHold([...new Set(uris)]);
    for (const uri of hold.uris) {
      if (fits(uri) && book.add(hold, uri)) this.#upstreamSubscription('subscribeResource', uri);
    }
    return () => {
      for (const uri of hold.uris) {
        if (book.remove(hold, uri)) this.#upstreamSubscription('unsubscribeResource', uri);
      }
    };
  }

  /** A new shared connection after a restart: subscribe it to every URI still held. */
  async resume(connection: UpstreamConnection): Promise<void> {
    for (const uri of this.#subscribers.uris()) {
      await connection.client.subscribeResource({ uri }).catch(() => undefined);
    }
  }

  // A failure (upstream down) is mended by resume() on the next connection.
  #upstreamSubscription(method: 'subscribeResource' | 'unsubscribeResource', uri: string): void {
    void this.#inOrder(async () => {
      await this.#host.shared()?.client[method]({ uri });
    }).catch(() => undefined);
  }

  // Subscriptions on the shared connection go up one at a time, in the order the book decided them: an
  // unsubscribe queued behind a stream's many URIs never overtakes a later subscribe of the same URI, and a
  // stream naming many URIs does not queue a write per URI on a stdio pipe.
  #inOrder<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#subscribing.then(work);
    this.#subscribing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
