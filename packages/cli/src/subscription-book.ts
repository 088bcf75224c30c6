/** Which sessions on the shared upstream connection subscribed to which resource URIs (one upstream subscription per URI). */
import type { Session } from './session.js';

/** Sessions per URI; says when a URI gains its first subscriber and loses its last. */
export class SubscriptionBook {
  readonly #byUri = new Map<string, Set<Session>>();

  /** Records `session` on `uri`; true when it is the URI's first subscriber (subscribe upstream). */
  add(session: Session, uri: string): boolean {
    const sessions = this.#byUri.get(uri) ?? new Set<Session>();
    this.#byUri.set(uri, sessions);
    sessions.add(session);
    return sessions.size === 1;
  }

  /** Forgets `session` on `uri`; true when that was the URI's last subscriber (unsubscribe upstream). */
  remove(session: Session, uri: string): boolean {
    const sessions = this.#byUri.get(uri);
    if (sessions?.delete(session) !== true || sessions.size > 0) return false;
    this.#byUri.delete(uri);
    return true;
  }

  /** The sessions subscribed to `uri`. */
  of(uri: string): ReadonlySet<Session> {
    return this.#byUri.get(uri) ?? new Set();
  }

  /** Every URI with a subscriber. */
  uris(): IterableIterator<string> {
    return this.#byUri.keys();
  }
}
