/**
 * The session hub: the gateway's downstream sessions, which upstream connection serves each, and the routing
 * of everything the upstream sends that is not a response (logs, resource updates, list changes, and
 * server-to-client requests such as sampling, elicitation and roots/list) to the session it belongs to.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingLevelSchema,
  LoggingMessageNotificationSchema,
  McpError,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ResultSchema,
  type ClientCapabilities,
  type LoggingLevel,
  type RequestId,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { rethrowUpstream } from './tool-call.js';
import type { ToolTable } from './tool-table.js';
import type { UpstreamConnection } from './upstream.js';

/** A downstream session and what the gateway tracks for it. */
export interface Session {
  readonly server: Server;
  /** The level the client asked for with `logging/setLevel`; undefined means everything. */
  level: LoggingLevel | undefined;
  /** Ids of this client's requests the gateway is forwarding now. */
  readonly inFlight: Set<RequestId>;
  /** Resource URIs this client subscribed to. */
  readonly subscriptions: Set<string>;
  /** This session's own upstream connection (HTTP upstreams: one upstream session per client). */
  own: Promise<UpstreamConnection> | undefined;
  /** The tools its own connection lists (an upstream session may list its own). */
  table: ToolTable | undefined;
  closed: boolean;
}

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
}

/** What the gateway's shared connection declares: every client capability the hub can forward. */
export const FORWARDED_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
};

/** The client's own capabilities, limited to those the hub forwards (so the upstream sees what it has). */
export function declaredUpstream(client: ClientCapabilities | undefined): ClientCapabilities {
  return {
    ...(client?.sampling !== undefined && { sampling: client.sampling }),
    ...(client?.elicitation !== undefined && { elicitation: client.elicitation }),
    ...(client?.roots !== undefined && { roots: client.roots }),
    ...(client?.experimental !== undefined && { experimental: client.experimental }),
  };
}

type Forwardable = { method: string; params?: Record<string, unknown> | undefined };

const SEVERITY = new Map(LoggingLevelSchema.options.map((level, index) => [level, index]));
const severity = (level: LoggingLevel | undefined): number => SEVERITY.get(level ?? 'debug') ?? 0;

/** Creates a session record for `server`. */
export function newSession(server: Server): Session {
  return {
    server,
    level: undefined,
    inFlight: new Set(),
    subscriptions: new Set(),
    own: undefined,
    table: undefined,
    closed: false,
  };
}

/** Tracks sessions, gives each its upstream connection, and routes upstream traffic to the right one. */
export class SessionHub {
  readonly sessions = new Set<Session>();
  readonly #options: HubOptions;
  readonly #byExtra = new WeakMap<object, Session>();
  // Shared connection only: which sessions subscribed to each URI (subscribed upstream once).
  readonly #subscribers = new Map<string, Set<Session>>();

  constructor(options: HubOptions) {
    this.#options = options;
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
    if (!this.perSession) {
      for (const uri of session.subscriptions) await this.unsubscribe(session, uri).catch(() => undefined);
    }
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
    for (const uri of session.subscriptions) await connection.client.subscribeResource({ uri });
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

  /**
   * The session traffic on the shared connection belongs to: the only one with requests in flight, or the
   * only session. Undefined when that cannot be told (documented: use an upstream session per client).
   */
  #requester(): Session | undefined {
    let found: Session | undefined;
    for (const session of this.sessions) {
      if (session.inFlight.size === 0) continue;
      if (found !== undefined) return undefined;
      found = session;
    }
    if (found !== undefined) return found;
    return this.sessions.size === 1 ? [...this.sessions][0] : undefined;
  }

  #busy(): boolean {
    return [...this.sessions].some((s) => s.inFlight.size > 0);
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

  #log(
    owner: Session | undefined,
    notification: ServerNotification & { params: { level: LoggingLevel } },
  ): void {
    const level = notification.params.level;
    const wants = (s: Session): boolean => severity(level) >= severity(s.level);
    const target = owner ?? this.#requester();
    if (target !== undefined) {
      if (wants(target)) this.send(target, notification);
    } else if (!this.#busy()) {
      // Sent while no client waits on anything: the server's own news, for every client on it.
      for (const session of this.sessions)
        if (session.own === undefined && wants(session)) this.send(session, notification);
    }
  }

  /** Installs the routing handlers on `connection`; `owner` is the session it belongs to, if only one. */
  wire(connection: UpstreamConnection, owner?: Session): void {
    const { client } = connection;
    const notify = (n: ServerNotification): void =>
      owner === undefined ? this.broadcast(n, true) : this.send(owner, n);
    client.setNotificationHandler(ResourceListChangedNotificationSchema, notify);
    client.setNotificationHandler(PromptListChangedNotificationSchema, notify);
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => this.#log(owner, n));
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      const targets = owner === undefined ? this.#subscribers.get(n.params.uri) : [owner];
      for (const session of targets ?? []) this.send(session, n);
    });
    const forward = (request: Forwardable, extra: { signal: AbortSignal }): Promise<never> =>
      this.#forward(owner ?? this.#requester(), request, extra.signal);
    // The SDK refuses a handler for a capability the connection did not declare.
    const { declared } = connection;
    if (declared.sampling !== undefined) client.setRequestHandler(CreateMessageRequestSchema, forward);
    if (declared.elicitation !== undefined) client.setRequestHandler(ElicitRequestSchema, forward);
    if (declared.roots !== undefined) client.setRequestHandler(ListRootsRequestSchema, forward);
  }

  async #forward(target: Session | undefined, request: Forwardable, signal: AbortSignal): Promise<never> {
    if (target === undefined) {
      throw new McpError(
        ErrorCode.InternalError,
        `the gateway cannot tell which of its clients ${request.method} is for: several have requests in flight on one shared upstream connection`,
      );
    }
    const related = [...target.inFlight].at(-1);
    const result = await target.server
      .request(request as never, ResultSchema, {
        signal,
        timeout: this.#options.requestTimeoutMs,
        ...(related !== undefined && { relatedRequestId: related }),
      })
      .catch(rethrowUpstream);
    return result as never;
  }

  /** Subscribes `session` to `uri`: on its own connection, or once per URI on the shared one. */
  async subscribe(session: Session, uri: string): Promise<void> {
    const connection = await this.#live(session);
    session.subscriptions.add(uri);
    if (session.own !== undefined) {
      await connection.client.subscribeResource({ uri }).catch(rethrowUpstream);
      return;
    }
    const subscribers = this.#subscribers.get(uri) ?? new Set<Session>();
    this.#subscribers.set(uri, subscribers);
    subscribers.add(session);
    if (subscribers.size === 1) await connection.client.subscribeResource({ uri }).catch(rethrowUpstream);
  }

  async unsubscribe(session: Session, uri: string): Promise<void> {
    session.subscriptions.delete(uri);
    if (session.own !== undefined || this.#options.openOwn !== undefined) {
      const connection = await session.own;
      await connection?.client.unsubscribeResource({ uri }).catch(rethrowUpstream);
      return;
    }
    const subscribers = this.#subscribers.get(uri);
    if (subscribers?.delete(session) !== true || subscribers.size > 0) return;
    this.#subscribers.delete(uri);
    await this.#options.shared()?.client.unsubscribeResource({ uri }).catch(rethrowUpstream);
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
    for (const uri of this.#subscribers.keys()) {
      await connection.client.subscribeResource({ uri }).catch(() => undefined);
    }
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
