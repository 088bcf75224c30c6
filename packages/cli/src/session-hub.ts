/**
 * The session hub: the gateway's downstream sessions, which upstream connection serves each, and the routing
 * of everything the upstream sends that is not a response (logs, resource updates, list changes, and
 * server-to-client requests such as sampling, elicitation and roots/list) to the session it belongs to.
 * Resource subscriptions and listen holds live in resource-subscriptions.ts; the hub delegates to them.
 */
import {
  ErrorCode,
  McpError,
  type ClientCapabilities,
  type LoggingLevel,
  type RequestId,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { ResourceSubscriptions } from './resource-subscriptions.js';
import { wireRouting } from './upstream-routing.js';
import { declaredUpstream, severity, type Session } from './session.js';
import { rethrowUpstream } from './tool-call.js';
import type { UpstreamConnection } from './upstream.js';

/** What the hub asks of the gateway. */
export interface HubOptions {
  /** The supervisor's connection, or undefined while the upstream is down. */
  shared(): UpstreamConnection | undefined;
  /**
   * Opens a session's own upstream connection with the capabilities its client declared (and sets up what
   * depends on it, such as the session's tool list); undefined when every session shares the supervisor's.
   */
  readonly openOwn:
    ((session: Session, capabilities: ClientCapabilities) => Promise<UpstreamConnection>) | undefined;
  readonly requestTimeoutMs: number;
  /** An update of `uri`, which a 2026-07-28 listen stream holds on the shared connection. */
  readonly listened?: ((uri: string) => void) | undefined;
  /** The shared connection announced a prompt or resource list change (for 2026-07-28 listen streams). */
  readonly listChanged?: ((kind: 'prompts' | 'resources') => void) | undefined;
}

/** Tracks sessions, gives each its upstream connection, and routes upstream traffic to the right one. */
export class SessionHub {
  readonly sessions = new Set<Session>();
  readonly #options: HubOptions;
  readonly #byExtra = new WeakMap<object, Session>();
  readonly #subscriptions: ResourceSubscriptions;
  // Requests on the shared connection that belong to no session (2026-07-28 clients): while one is in
  // flight, upstream traffic cannot be told to be a session's by elimination.
  #foreign = 0;

  constructor(options: HubOptions) {
    this.#options = options;
    this.#subscriptions = new ResourceSubscriptions({
      shared: () => options.shared(),
      perSession: options.openOwn !== undefined,
      live: (session) => this.#live(session),
      send: (session, notification) => this.send(session, notification),
      listened: options.listened,
    });
  }

  /** True when each session gets its own upstream connection. */
  get perSession(): boolean {
    return this.#options.openOwn !== undefined;
  }

  add(session: Session): void {
    this.sessions.add(session);
    session.server.onclose = () => void this.remove(session);
    // Opened as soon as the client's capabilities are known, so the first call does not wait for it.
    session.server.oninitialized = () => void this.connectionFor(session).catch(() => undefined);
  }

  /** Forgets `session`: drops its subscriptions and closes its own connection. */
  async remove(session: Session): Promise<void> {
    if (session.closed) return;
    session.closed = true;
    this.sessions.delete(session);
    // An own connection's subscriptions end with it; the shared one's are counted per URI.
    await this.#subscriptions.forget(session);
    const own = session.own;
    session.own = undefined;
    if (own !== undefined) await own.then((c) => c.close()).catch(() => undefined);
  }

  /** Remembers which session `extra` (a request's SDK extra) belongs to. */
  tag(extra: object, session: Session): void {
    this.#byExtra.set(extra, session);
  }

  sessionOf(extra: object): Session | undefined {
    return this.#byExtra.get(extra);
  }

  /** The connection that serves `session`, or undefined while the upstream is down. */
  async connectionFor(session: Session): Promise<UpstreamConnection | undefined> {
    const shared = this.#options.shared();
    if (shared === undefined || this.#options.openOwn === undefined) return shared;
    if (session.closed) return undefined;
    const pending = (session.own ??= this.#openOwn(session, this.#options.openOwn));
    try {
      return await pending;
    } catch (error) {
      if (session.own === pending) session.own = undefined;
      throw error;
    }
  }

  async #openOwn(session: Session, open: NonNullable<HubOptions['openOwn']>): Promise<UpstreamConnection> {
    const connection = await open(session, declaredUpstream(session.server.getClientCapabilities()));
    if (session.closed) {
      await connection.close();
      throw new McpError(ErrorCode.ConnectionClosed, 'the session closed');
    }
    this.wire(connection, session);
    const opened = session.own;
    connection.onlost = () => {
      if (session.own === opened) session.own = undefined;
    };
    await this.#subscriptions.reopen(session, connection);
    if (session.level !== undefined && connection.capabilities.logging !== undefined) {
      await connection.client.setLoggingLevel(session.level);
    }
    return connection;
  }

  /** Runs `work` as a request of `session`, so upstream traffic meanwhile can be routed to it. */
  async track<T>(session: Session, requestId: RequestId, work: () => Promise<T>): Promise<T> {
    session.inFlight.add(requestId);
    try {
      return await work();
    } finally {
      session.inFlight.delete(requestId);
    }
  }

  /** Runs `work`, a request on the shared connection that belongs to no session (a 2026-07-28 client's). */
  async trackForeign<T>(work: () => Promise<T>): Promise<T> {
    this.#foreign += 1;
    try {
      return await work();
    } finally {
      this.#foreign -= 1;
    }
  }

  /**
   * The session traffic on the shared connection belongs to: the only one with requests in flight, or the
   * only session. Undefined when that cannot be told (documented: use an upstream session per client), and
   * while a request of no session is in flight.
   */
  requester(): Session | undefined {
    if (this.#foreign > 0) return undefined;
    let found: Session | undefined;
    for (const session of this.sessions) {
      if (session.inFlight.size === 0) continue;
      if (found !== undefined) return undefined;
      found = session;
    }
    if (found !== undefined) return found;
    return this.sessions.size === 1 ? [...this.sessions][0] : undefined;
  }

  /** True while a request of no session (a 2026-07-28 client's) is in flight on the shared connection. */
  get foreignInFlight(): boolean {
    return this.#foreign > 0;
  }

  /** True while any session has a request in flight. */
  busy(): boolean {
    return this.#foreign > 0 || [...this.sessions].some((s) => s.inFlight.size > 0);
  }

  /** Sends `notification` to `session`, on the stream of one of its requests in flight if it has any. */
  send(session: Session, notification: ServerNotification): void {
    const related = [...session.inFlight].at(-1);
    session.server
      .notification(notification, related === undefined ? undefined : { relatedRequestId: related })
      .catch(() => undefined);
  }

  /** Sends `notification` to every session, or only to those on the shared connection. */
  broadcast(notification: ServerNotification, sharedOnly = false): void {
    for (const session of this.sessions) {
      if (!sharedOnly || session.own === undefined) this.send(session, notification);
    }
  }

  /** Installs the routing handlers on `connection`; `owner` is the session it belongs to, if only one. */
  wire(connection: UpstreamConnection, owner?: Session): void {
    wireRouting(connection, owner, this);
  }

  /** Relays a shared connection's resource update to the sessions and listen streams holding its URI. */
  updated(notification: ServerNotification & { params: { uri: string } }): void {
    this.#subscriptions.updated(notification);
  }

  /** Reports a list change the shared connection announced (sessions get it from the routing itself). */
  listChanged(kind: 'prompts' | 'resources'): void {
    this.#options.listChanged?.(kind);
  }

  /** Holds `uris` for a 2026-07-28 listen stream on the shared connection; returns the release. */
  listen(uris: readonly string[]): () => void {
    return this.#subscriptions.listen(uris);
  }

  get requestTimeoutMs(): number {
    return this.#options.requestTimeoutMs;
  }

  /** Subscribes `session` to `uri`: on its own connection, or once per URI on the shared one. */
  subscribe(session: Session, uri: string): Promise<void> {
    return this.#subscriptions.subscribe(session, uri);
  }

  unsubscribe(session: Session, uri: string): Promise<void> {
    return this.#subscriptions.unsubscribe(session, uri);
  }

  /** Records `session`'s log level and forwards what its connection should filter at. */
  async setLevel(session: Session, level: LoggingLevel): Promise<void> {
    session.level = level;
    const connection = await this.#live(session);
    if (connection.capabilities.logging === undefined) return;
    if (session.own !== undefined) {
      await connection.client.setLoggingLevel(level).catch(rethrowUpstream);
      return;
    }
    const shared = [...this.sessions].filter((s) => s.own === undefined && s.level !== undefined);
    const lowest = shared.reduce<LoggingLevel>(
      (low, s) => (severity(s.level) < severity(low) ? (s.level as LoggingLevel) : low),
      level,
    );
    await connection.client.setLoggingLevel(lowest).catch(rethrowUpstream);
  }

  /** A new shared connection after a restart: subscribe it to what sessions on it subscribed to. */
  async resume(connection: UpstreamConnection): Promise<void> {
    await this.#subscriptions.resume(connection);
    const levels = [...this.sessions].filter((s) => s.own === undefined && s.level !== undefined);
    const first = levels[0];
    if (first !== undefined && connection.capabilities.logging !== undefined) {
      await this.setLevel(first, first.level as LoggingLevel).catch(() => undefined);
    }
  }

  async #live(session: Session): Promise<UpstreamConnection> {
    const connection = await this.connectionFor(session);
    if (connection === undefined) {
      throw new McpError(ErrorCode.InternalError, 'the upstream MCP server is unavailable; retry shortly');
    }
    return connection;
  }

  /** Closes every session and its own connection. */
  async closeAll(): Promise<void> {
    const all = [...this.sessions];
    await Promise.allSettled(all.map((session) => session.server.close()));
    await Promise.allSettled(all.map((session) => this.remove(session)));
  }
}
