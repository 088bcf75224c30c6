/** The gateway's parts wired together: upstream supervisor, session hub, tool router, listener, shutdown. */
import {
  ToolListChangedNotificationSchema,
  type ClientCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { systemClock, type Pipeline } from '@mcp-middleware/core';
import type { Counter } from 'prom-client';
import { NOTHING_RECHECKED, type Recheck } from './admitted-streams.js';
import { CallTracker } from './drain.js';
import { frontDoorFor } from './front-door.js';
import { defaultAllowedHosts, listenHttp, type HttpListener } from './http-listener.js';
import { registerGatewayMetrics } from './gateway-metrics.js';
import { createMirrorServer, type MirrorHost } from './mirror.js';
import { createModernFront, type ModernFront } from './modern-front.js';
import { ModernUpstream, type UpstreamChange } from './modern-upstream.js';
import type { Gateway, GatewayExit } from './gateway.js';
import type { GatewayEvent, GatewayOptions, ResolvedOptions } from './options.js';
import { ReloadableRunner } from './reload.js';
import { FORWARDED_CAPABILITIES, type Session } from './session.js';
import { SessionHub } from './session-hub.js';
import { StdioLinesTransport } from './stdio-lines.js';
import { TOOLS_CHANGED, ToolRouter } from './tool-router.js';
import { connectUpstream, describeUpstream, isHttpUpstream, type UpstreamConnection } from './upstream.js';
import { UpstreamSupervisor } from './upstream-supervisor.js';
import { VERSION } from './version.js';

// A stdio upstream started by npx may still be downloading when the connect timeout passes: while the child
// is alive and has written nothing on stdout, the first connect waits this much longer (and says so).
const SLOW_START_MS = 120_000;

/** The gateway's parts and its life: the supervisor, the hub, the router, the listener, the shutdown. */
export class GatewayRuntime {
  readonly o: ResolvedOptions;
  /** The pipeline's runner; `replace()` swaps the pipeline (config reload). */
  readonly runner: ReloadableRunner;
  readonly calls: CallTracker;
  readonly supervisor: UpstreamSupervisor;
  readonly hub: SessionHub;
  readonly router: ToolRouter;
  readonly closed: Promise<GatewayExit>;
  readonly #mirror: MirrorHost;
  /** How 2026-07-28 requests reach the upstream (in 2026-07-28 when it speaks it). */
  readonly modernUpstream: ModernUpstream;
  modern: ModernFront | undefined;
  started = false;
  http: HttpListener | undefined;
  #exit: GatewayExit | undefined;
  #closing: Promise<void> | undefined;
  #resolveClosed: (exit: GatewayExit) => void = () => undefined;

  constructor(o: ResolvedOptions) {
    this.o = o;
    this.runner = new ReloadableRunner(o.pipeline, o.runner);
    this.calls = new CallTracker(o.runner.clock ?? systemClock);
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.supervisor = new UpstreamSupervisor(
      {
        connect: () => this.#connect(FORWARDED_CAPABILITIES),
        adopted: (connection, restart) => this.#adopted(connection, restart),
        gaveUp: (message) => {
          this.#exit = { reason: 'upstream-lost', message };
          void this.close();
        },
        emit: (event) => this.emit(event),
        inFlight: () => this.calls.inFlight,
      },
      o.restart,
      o.runner.clock ?? systemClock,
      describeUpstream(o.upstream),
    );
    this.hub = new SessionHub({
      shared: () => this.supervisor.current,
      openOwn: isHttpUpstream(o.upstream) ? (session, caps) => this.#openOwn(session, caps) : undefined,
      requestTimeoutMs: o.requestTimeoutMs,
      listened: (uri) => this.modern?.notify.resourceUpdated(uri),
      listChanged: (kind) => this.modernUpstream.whenLegacy(() => this.#announceModern(kind)),
    });
    this.router = new ToolRouter({
      runner: this.runner,
      hub: this.hub,
      supervisor: this.supervisor,
      calls: this.calls,
      requestTimeoutMs: o.requestTimeoutMs,
      warn: (message) => this.emit({ type: 'warning', message }),
    });
    this.#mirror = {
      hub: this.hub,
      tools: (session) => this.router.tools(session),
      callTool: (session, params, extra) => this.router.call(session, params, extra),
      requestTimeoutMs: o.requestTimeoutMs,
      runner: this.runner,
    };
    this.modernUpstream = new ModernUpstream({
      spec: o.upstream,
      clientInfo: { name: 'mcp-middleware-gateway', version: VERSION },
      legacy: () => this.supervisor.current,
      connectTimeoutMs: o.connectTimeoutMs,
      track: (work) => this.hub.trackForeign(work),
      hold: (uris) => this.hub.listen(uris),
    });
    this.#restarts = registerGatewayMetrics(o.registry, {
      upstreamUp: () => this.supervisor.current !== undefined,
      sessions: () => this.hub.sessions.size,
      callsInFlight: () => this.calls.inFlight,
    }).restarts;
  }

  readonly #restarts: Counter;

  /**
   * Puts `pipeline` in service and, with `auth` given in HTTP mode, the front door for it (`auth` undefined:
   * no door): both or neither, built before either is swapped, so a request never meets a new door in
   * front of the old pipeline. Every request from now on passes the new door; with new credentials, streams
   * and sessions still open are checked against it, and those it refuses are closed (a `streams-rechecked` event).
   */
  replace(pipeline: Pipeline, reload?: { readonly auth?: GatewayOptions['auth'] }): void {
    const http = reload === undefined ? undefined : this.http;
    const door = http === undefined ? undefined : frontDoorFor(reload?.auth, http.url);
    this.runner.replace(pipeline);
    http?.setFrontDoor(door).then(
      (recheck) => this.#rechecked(recheck),
      (error: unknown) =>
        this.emit({ type: 'warning', message: `re-checking open streams failed: ${String(error)}` }),
    );
  }

  #rechecked(recheck: Recheck): void {
    if (recheck !== NOTHING_RECHECKED) this.emit({ type: 'streams-rechecked', ...recheck });
  }

  get ready(): boolean {
    return this.supervisor.state === 'ready' && this.supervisor.current !== undefined;
  }

  emit(event: GatewayEvent): void {
    try {
      this.o.onEvent(event);
    } catch {
      // An observer must never break the gateway.
    }
  }

  #connect(capabilities: ClientCapabilities): Promise<UpstreamConnection> {
    return connectUpstream(this.o.upstream, {
      clientInfo: { name: 'mcp-middleware-gateway', version: VERSION },
      capabilities,
      connectTimeoutMs: this.o.connectTimeoutMs,
      probeTimeoutMs: Math.min(this.o.requestTimeoutMs, 5000),
      slowStartMs: this.started ? 0 : SLOW_START_MS,
      onSlowStart: (message) => this.emit({ type: 'warning', message }),
    });
  }

  // An upstream session of a client's own: its tool list is that session's.
  async #openOwn(session: Session, capabilities: ClientCapabilities): Promise<UpstreamConnection> {
    const connection = await this.#connect(capabilities);
    try {
      await this.router.adopt(session, connection);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    return connection;
  }

  async #adopted(connection: UpstreamConnection, restart: boolean): Promise<void> {
    this.hub.wire(connection);
    // A restarted upstream may speak another revision: the next 2026-07-28 request asks again.
    this.modernUpstream.reset();
    connection.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      await this.router.refresh();
      this.hub.broadcast(TOOLS_CHANGED);
      // A 2026 upstream says so on its own listen stream as well (#announceModern): tell 2026 streams once.
      this.modernUpstream.whenLegacy(() => this.modern?.notify.toolsChanged());
    });
    if (restart) {
      this.#restarts.inc();
      await this.router.refresh();
      await this.hub.resume(connection);
    } else {
      await this.router.install(connection);
    }
    const tools = this.router.shared.tools.length;
    this.emit({ type: 'upstream-connected', server: serverName(connection), tools, restart });
    if (restart) announceRestart(this.hub, connection);
  }

  #announceModern(change: UpstreamChange): void {
    const notify = this.modern?.notify;
    if (typeof change === 'object') notify?.resourceUpdated(change.updated);
    else if (change === 'tools') {
      void this.router.refresh();
      notify?.toolsChanged();
    } else if (change === 'prompts') notify?.promptsChanged();
    else notify?.resourcesChanged();
  }

  openSession(): Session | undefined {
    const identity = this.supervisor.identity;
    if (!this.supervisor.accepting || identity === undefined) return undefined;
    const session = createMirrorServer(this.#mirror, identity);
    this.hub.add(session);
    return session;
  }

  async listen(gateway: Gateway): Promise<void> {
    const { o } = this;
    if (o.listen === 'stdio') {
      await gateway.connect(new StdioLinesTransport());
      // The client closing our stdin is the normal end of a stdio session; a broken stdout ends it too.
      process.stdin.once('end', () => void this.close());
      process.stdout.once('error', () => void this.close({ drainTimeoutMs: 0 }));
      return;
    }
    if (o.listen === undefined) return;
    this.modern = createModernFront({
      runner: this.runner,
      upstream: this.modernUpstream,
      identity: () => this.supervisor.identity,
      tools: () => this.router.shared.tools,
      calls: this.calls,
      requestTimeoutMs: o.requestTimeoutMs,
      listening: (uris) => this.modernUpstream.listenFor(uris),
      roomFor: (uris) => this.modernUpstream.roomFor(uris),
    });
    // What a 2026 upstream announces on its listen stream reaches the gateway's listen streams.
    void this.modernUpstream.watch((change) => this.#announceModern(change));
    this.http = await listenHttp(
      o.listen,
      {
        openSession: () => this.openSession(),
        ready: () => this.ready,
        draining: () => this.supervisor.state === 'closing',
        registry: o.registry,
      },
      {
        allowedHosts: o.allowedHosts ?? defaultAllowedHosts(o.listen),
        maxBodyBytes: o.maxBodyBytes,
        timeouts: o.httpTimeouts,
        frontDoor: (bound) => frontDoorFor(o.auth, bound),
        modern: this.modern,
      },
    );
    this.emit({ type: 'listening', url: this.http.url.href });
  }

  close(closeOptions: { readonly drainTimeoutMs?: number } = {}): Promise<void> {
    if (this.#closing !== undefined && closeOptions.drainTimeoutMs !== undefined) {
      this.calls.shorten(closeOptions.drainTimeoutMs);
    }
    this.#closing ??= this.#shutDown(closeOptions.drainTimeoutMs ?? this.o.drainTimeoutMs);
    return this.#closing;
  }

  async #shutDown(drainTimeoutMs: number): Promise<void> {
    const { calls } = this;
    this.supervisor.beginClose();
    this.emit({ type: 'draining', inFlight: calls.inFlight });
    this.http?.stopAccepting();
    if (!(await calls.drained(drainTimeoutMs))) {
      this.emit({ type: 'drain-timeout', inFlight: calls.inFlight });
    }
    // Let the last results reach their transports before the sessions close.
    await new Promise((resolve) => setImmediate(resolve));
    await this.hub.closeAll();
    await this.supervisor.closeConnection();
    await this.modernUpstream.close();
    await this.modern?.close();
    await this.http?.close();
    this.emit({ type: 'closed' });
    this.#resolveClosed(this.#exit ?? { reason: 'closed' });
  }
}

/** After a restart every list may have changed: say so to every client. */
function announceRestart(hub: SessionHub, connection: UpstreamConnection): void {
  hub.broadcast(TOOLS_CHANGED);
  if (connection.capabilities.resources !== undefined) {
    hub.broadcast({ method: 'notifications/resources/list_changed' });
  }
  if (connection.capabilities.prompts !== undefined) {
    hub.broadcast({ method: 'notifications/prompts/list_changed' });
  }
}

function serverName(connection: UpstreamConnection): string {
  return `${connection.serverInfo.name} ${connection.serverInfo.version}`;
}
