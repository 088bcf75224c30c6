/** createGateway(): one upstream MCP server, mirrored to any number of clients, every tools/call through a pipeline. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ToolListChangedNotificationSchema,
  type CallToolRequest,
  type ClientCapabilities,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import {
  MiddlewareError,
  createToolRunner,
  systemClock,
  toToolResult,
  type CallToolResult,
  type EventChannel,
  type ToolExtra,
} from '@mcp-middleware/core';
import type { Registry } from 'prom-client';
import { CallTracker } from './drain.js';
import { frontDoorFor } from './front-door.js';
import { defaultAllowedHosts, listenHttp, type HttpListener } from './http-listener.js';
import { registerGatewayMetrics } from './metrics.js';
import { createMirrorServer, type MirrorHost } from './mirror.js';
import { resolveOptions, type GatewayEvent, type GatewayOptions } from './options.js';
import { FORWARDED_CAPABILITIES, SessionHub, type Session } from './session-hub.js';
import { upstreamToolHandler } from './tool-call.js';
import { ToolTable, fetchTools } from './tool-table.js';
import {
  connectUpstream,
  describeError,
  describeUpstream,
  isHttpUpstream,
  type UpstreamConnection,
} from './upstream.js';
import { UpstreamSupervisor } from './upstream-supervisor.js';
import { VERSION } from './version.js';

/** Why a gateway stopped. */
export type GatewayExit =
  { readonly reason: 'closed' } | { readonly reason: 'upstream-lost'; readonly message: string };

/** A running gateway. */
export interface Gateway {
  /** The registry `/metrics` serves; register your own series here. */
  readonly registry: Registry;
  /** The pipeline's event channel (retries, rejections, breaker changes, …). */
  readonly events: EventChannel;
  /** The bound address in HTTP mode (port 0 resolved), else undefined. */
  readonly url: URL | undefined;
  /** True while the upstream is connected and the gateway is not shutting down. */
  readonly ready: boolean;
  /** Serves one more client on any transport (in-memory, a socket, …). */
  connect(transport: Transport): Promise<void>;
  /**
   * Stops taking new work, lets calls in flight finish up to the drain deadline, then closes everything.
   * Calling it again returns the same promise; a shorter `drainTimeoutMs` brings the deadline forward.
   */
  close(options?: { readonly drainTimeoutMs?: number }): Promise<void>;
  /** Settles once the gateway has stopped, saying why. */
  readonly closed: Promise<GatewayExit>;
}

const TOOLS_CHANGED: ServerNotification = { method: 'notifications/tools/list_changed' };
// A stdio upstream started by npx may still be downloading when the connect timeout passes: while the child
// is alive and has written nothing on stdout, the first connect waits this much longer (and says so).
const SLOW_START_MS = 120_000;

/**
 * Connects to the upstream MCP server, mirrors its tools, resources and prompts, and starts listening.
 * Rejects with a GatewayError (upstream could not start, address unusable) or a ConfigError (bad option).
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const o = resolveOptions(options);
  const runner = createToolRunner(o.pipeline, o.runner);
  const calls = new CallTracker(o.runner.clock ?? systemClock);
  let exit: GatewayExit | undefined;
  let closing: Promise<void> | undefined;
  let http: HttpListener | undefined;
  let resolveClosed: (exit: GatewayExit) => void = () => undefined;
  const closed = new Promise<GatewayExit>((resolve) => (resolveClosed = resolve));
  const emit = (event: GatewayEvent): void => {
    try {
      o.onEvent(event);
    } catch {
      // An observer must never break the gateway.
    }
  };

  let started = false;
  const connect = (capabilities: ClientCapabilities): Promise<UpstreamConnection> =>
    connectUpstream(o.upstream, {
      clientInfo: { name: 'mcp-middleware-gateway', version: VERSION },
      capabilities,
      connectTimeoutMs: o.connectTimeoutMs,
      probeTimeoutMs: Math.min(o.requestTimeoutMs, 5000),
      slowStartMs: started ? 0 : SLOW_START_MS,
      onSlowStart: (message) => emit({ type: 'warning', message }),
    });
  const hub = new SessionHub({
    shared: () => supervisor.current,
    openOwn: isHttpUpstream(o.upstream) ? openOwn : undefined,
    requestTimeoutMs: o.requestTimeoutMs,
  });
  // An upstream session of a client's own: its tool list is that session's, kept current the same way.
  async function openOwn(session: Session, capabilities: ClientCapabilities): Promise<UpstreamConnection> {
    const connection = await connect(capabilities);
    try {
      const own = new ToolTable(runner, handler);
      own.install(await fetchTools(connection, o.requestTimeoutMs));
      session.table = own;
      connection.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        await own.refresh(() => connection, o.requestTimeoutMs).catch(() => undefined);
        hub.send(session, TOOLS_CHANGED);
      });
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    return connection;
  }
  /** The table `session`'s tools come from: its own connection's, else the shared one. */
  async function tableFor(session: Session): Promise<ToolTable> {
    if (hub.perSession) await hub.connectionFor(session);
    return session.table ?? table;
  }
  const handler = upstreamToolHandler(
    {
      connection: (ctx) => {
        const session = hub.sessionOf(ctx.extra);
        return session === undefined ? Promise.resolve(supervisor.current) : hub.connectionFor(session);
      },
      unavailable: (name) => supervisor.unavailable(name),
    },
    o.requestTimeoutMs,
  );
  const table = new ToolTable(runner, handler);
  const refreshTools = (): Promise<void> =>
    table
      .refresh(() => supervisor.current, o.requestTimeoutMs)
      .catch((error: unknown) => {
        emit({
          type: 'warning',
          message: `could not refresh the upstream tool list: ${describeError(error)}`,
        });
      });

  const supervisor: UpstreamSupervisor = new UpstreamSupervisor(
    {
      connect: () => connect(FORWARDED_CAPABILITIES),
      async adopted(connection, restart) {
        hub.wire(connection);
        connection.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
          await refreshTools();
          hub.broadcast(TOOLS_CHANGED);
        });
        if (!restart) {
          table.install(await fetchTools(connection, o.requestTimeoutMs));
        } else {
          counters.restarts.inc();
          await refreshTools();
          await hub.resume(connection);
        }
        emit({
          type: 'upstream-connected',
          server: serverName(connection),
          tools: table.tools.length,
          restart,
        });
        if (restart) announceRestart(hub, connection);
      },
      gaveUp(message) {
        exit = { reason: 'upstream-lost', message };
        void close();
      },
      emit,
      inFlight: () => calls.inFlight,
    },
    o.restart,
    o.runner.clock ?? systemClock,
    describeUpstream(o.upstream),
  );
  const counters = registerGatewayMetrics(o.registry, {
    upstreamUp: () => supervisor.current !== undefined,
    sessions: () => hub.sessions.size,
    callsInFlight: () => calls.inFlight,
  });

  async function callTool(
    session: Session,
    params: CallToolRequest['params'],
    extra: ToolExtra,
  ): Promise<CallToolResult> {
    if (!supervisor.accepting) {
      return toToolResult(
        new MiddlewareError(
          'UPSTREAM_ERROR',
          `the gateway is shutting down; tool \`${params.name}\` was not called; retry on another instance`,
        ),
      );
    }
    hub.tag(extra, session);
    calls.enter();
    try {
      const tools = await tableFor(session).catch(() => table);
      return await tools.run(params.name)(params.arguments, extra);
    } finally {
      calls.leave();
    }
  }

  const mirrorHost: MirrorHost = {
    hub,
    tools: async (session) => (await tableFor(session)).tools,
    callTool,
    requestTimeoutMs: o.requestTimeoutMs,
    runner,
  };

  function openSession(): Session | undefined {
    const identity = supervisor.identity;
    if (!supervisor.accepting || identity === undefined) return undefined;
    const session = createMirrorServer(mirrorHost, identity);
    hub.add(session);
    return session;
  }

  function close(closeOptions: { readonly drainTimeoutMs?: number } = {}): Promise<void> {
    if (closing !== undefined && closeOptions.drainTimeoutMs !== undefined) {
      calls.shorten(closeOptions.drainTimeoutMs);
    }
    closing ??= (async () => {
      supervisor.beginClose();
      emit({ type: 'draining', inFlight: calls.inFlight });
      http?.stopAccepting();
      if (!(await calls.drained(closeOptions.drainTimeoutMs ?? o.drainTimeoutMs))) {
        emit({ type: 'drain-timeout', inFlight: calls.inFlight });
      }
      // Let the last results reach their transports before the sessions close.
      await new Promise((resolve) => setImmediate(resolve));
      await hub.closeAll();
      await supervisor.closeConnection();
      await http?.close();
      emit({ type: 'closed' });
      resolveClosed(exit ?? { reason: 'closed' });
    })();
    return closing;
  }

  await supervisor.start();
  started = true;

  const gateway: Gateway = {
    registry: o.registry,
    events: runner.events,
    get url() {
      return http?.url;
    },
    get ready() {
      return supervisor.state === 'ready' && supervisor.current !== undefined;
    },
    async connect(transport) {
      const session = openSession();
      if (session === undefined) throw new Error('the gateway is shutting down');
      await session.server.connect(transport);
    },
    close,
    closed,
  };

  try {
    if (o.listen === 'stdio') {
      await gateway.connect(new StdioServerTransport());
      // The client closing our stdin is the normal end of a stdio session; a broken stdout ends it too.
      process.stdin.once('end', () => void close());
      process.stdout.once('error', () => void close({ drainTimeoutMs: 0 }));
    } else if (o.listen !== undefined) {
      http = await listenHttp(
        o.listen,
        {
          openSession,
          ready: () => gateway.ready,
          draining: () => supervisor.state === 'closing',
          registry: o.registry,
        },
        {
          allowedHosts: o.allowedHosts ?? defaultAllowedHosts(o.listen),
          maxBodyBytes: o.maxBodyBytes,
          frontDoor: (bound) => frontDoorFor(o.auth, bound),
        },
      );
      emit({ type: 'listening', url: http.url.href });
    }
  } catch (error) {
    await close({ drainTimeoutMs: 0 });
    throw error;
  }
  return gateway;
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
