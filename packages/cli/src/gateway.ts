/** createGateway(): one upstream MCP server, mirrored to any number of clients, every tools/call through a pipeline. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  LoggingLevelSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolRequest,
  type LoggingLevel,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import {
  MiddlewareError,
  createToolRunner,
  sleep,
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
import { createMirrorServer, type MirrorHost, type Session } from './mirror.js';
import { resolveOptions, type GatewayEvent, type GatewayOptions } from './options.js';
import { upstreamToolHandler } from './tool-call.js';
import { ToolTable, fetchTools } from './tool-table.js';
import { connectUpstream, describeError, describeUpstream, type UpstreamConnection } from './upstream.js';
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

type State = 'ready' | 'restarting' | 'closing' | 'closed';

const SEVERITY = new Map(LoggingLevelSchema.options.map((level, index) => [level, index]));
const TOOLS_CHANGED: ServerNotification = { method: 'notifications/tools/list_changed' };

/**
 * Connects to the upstream MCP server, mirrors its tools, resources and prompts, and starts listening.
 * Rejects with a GatewayError (upstream could not start, address unusable) or a ConfigError (bad option).
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const o = resolveOptions(options);
  const runner = createToolRunner(o.pipeline, o.runner);
  const clock = o.runner.clock ?? systemClock;
  const calls = new CallTracker(clock);
  const label = describeUpstream(o.upstream);
  const lifetime = new AbortController();
  const sessions = new Set<Session>();
  let state: State = 'ready';
  let current: UpstreamConnection | undefined;
  // The last connection's capabilities and identity: what new sessions mirror, even during a restart.
  let identity: UpstreamConnection | undefined;
  let retryAfterMs: number | undefined;
  let forwardedLevel: LoggingLevel | undefined;
  let exit: GatewayExit | undefined;
  let closing: Promise<void> | undefined;
  let http: HttpListener | undefined;
  let resolveClosed: (exit: GatewayExit) => void = () => undefined;
  const closed = new Promise<GatewayExit>((resolve) => {
    resolveClosed = resolve;
  });

  const emit = (event: GatewayEvent): void => {
    try {
      o.onEvent(event);
    } catch {
      // An observer must never break the gateway.
    }
  };
  const counters = registerGatewayMetrics(o.registry, {
    upstreamUp: () => current !== undefined,
    sessions: () => sessions.size,
    callsInFlight: () => calls.inFlight,
  });

  const handler = upstreamToolHandler(
    {
      connection: () => current,
      unavailable: (name) =>
        new MiddlewareError(
          'UPSTREAM_ERROR',
          state === 'restarting'
            ? `the upstream MCP server is restarting; tool \`${name}\` was not called; retry in a few seconds`
            : `the upstream MCP server is not connected; tool \`${name}\` was not called`,
          { retryAfterMs: state === 'restarting' ? retryAfterMs : undefined },
        ),
    },
    o.requestTimeoutMs,
  );

  const table = new ToolTable(runner, handler);
  const refreshTools = (): Promise<void> =>
    table
      .refresh(() => current, o.requestTimeoutMs)
      .catch((error: unknown) =>
        emit({
          type: 'warning',
          message: `could not refresh the upstream tool list: ${describeError(error)}`,
        }),
      );

  function broadcast(notification: ServerNotification, level?: LoggingLevel): void {
    for (const session of sessions) {
      if (level !== undefined && session.level !== undefined) {
        if ((SEVERITY.get(level) ?? 0) < (SEVERITY.get(session.level) ?? 0)) continue;
      }
      session.server.notification(notification).catch(() => undefined);
    }
  }

  async function forwardLevel(): Promise<void> {
    const connection = current;
    let wanted: LoggingLevel | undefined;
    for (const session of sessions) {
      const level = session.level;
      if (
        level !== undefined &&
        (wanted === undefined || (SEVERITY.get(level) ?? 0) < (SEVERITY.get(wanted) ?? 0))
      ) {
        wanted = level;
      }
    }
    if (wanted === undefined || connection?.capabilities.logging === undefined) return;
    forwardedLevel = wanted;
    await connection.client.setLoggingLevel(wanted, { timeout: o.requestTimeoutMs });
  }

  function adopt(connection: UpstreamConnection): void {
    const { client } = connection;
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      await refreshTools();
      broadcast(TOOLS_CHANGED);
    });
    client.setNotificationHandler(ResourceListChangedNotificationSchema, (n) => broadcast(n));
    client.setNotificationHandler(PromptListChangedNotificationSchema, (n) => broadcast(n));
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => broadcast(n, n.params.level));
    connection.onlost = (reason) => void lost(connection, reason);
    current = connection;
    identity = connection;
  }

  async function lost(connection: UpstreamConnection, reason: string): Promise<void> {
    if (connection !== current) return;
    current = undefined;
    emit({ type: 'upstream-lost', reason, inFlight: calls.inFlight });
    if (state !== 'ready') return;
    const restart = o.restart;
    if (restart === undefined) {
      exit = { reason: 'upstream-lost', message: `upstream ${label}: ${reason}` };
      void close();
      return;
    }
    state = 'restarting';
    for (let attempt = 1; attempt <= restart.maxAttempts; attempt++) {
      const delayMs = Math.min(restart.delayMs * 2 ** (attempt - 1), restart.maxDelayMs);
      retryAfterMs = delayMs;
      emit({ type: 'upstream-restarting', attempt, delayMs });
      try {
        await sleep(clock, delayMs, lifetime.signal);
      } catch {
        return; // closing
      }
      let next: UpstreamConnection;
      try {
        next = await connect();
      } catch (error) {
        emit({ type: 'upstream-restart-failed', attempt, reason: describeError(error) });
        continue;
      }
      if (lifetime.signal.aborted) {
        await next.close();
        return;
      }
      adopt(next);
      state = 'ready';
      counters.restarts.inc();
      await refreshTools();
      if (forwardedLevel !== undefined) await forwardLevel().catch(() => undefined);
      emit({
        type: 'upstream-connected',
        server: serverName(next),
        tools: table.tools.length,
        restart: true,
      });
      broadcast(TOOLS_CHANGED);
      if (next.capabilities.resources !== undefined)
        broadcast({ method: 'notifications/resources/list_changed' });
      if (next.capabilities.prompts !== undefined)
        broadcast({ method: 'notifications/prompts/list_changed' });
      return;
    }
    exit = {
      reason: 'upstream-lost',
      message: `upstream ${label}: ${reason}; gave up after ${restart.maxAttempts} restart attempts`,
    };
    void close();
  }

  const connect = (): Promise<UpstreamConnection> =>
    connectUpstream(o.upstream, {
      clientInfo: { name: 'mcp-middleware-gateway', version: VERSION },
      connectTimeoutMs: o.connectTimeoutMs,
      probeTimeoutMs: Math.min(o.requestTimeoutMs, 5000),
    });

  async function callTool(params: CallToolRequest['params'], extra: ToolExtra): Promise<CallToolResult> {
    if (state === 'closing' || state === 'closed') {
      return toToolResult(
        new MiddlewareError(
          'UPSTREAM_ERROR',
          `the gateway is shutting down; tool \`${params.name}\` was not called; retry on another instance`,
        ),
      );
    }
    const run = table.run(params.name);
    calls.enter();
    try {
      return await run(params.arguments, extra);
    } finally {
      calls.leave();
    }
  }

  const mirrorHost: MirrorHost = {
    connection: () => current,
    tools: () => table.tools,
    callTool,
    async setLevel(session, level) {
      session.level = level;
      await forwardLevel();
    },
    requestTimeoutMs: o.requestTimeoutMs,
    runner,
  };

  function openSession(): Session | undefined {
    if (state === 'closing' || state === 'closed' || identity === undefined) return undefined;
    const session = createMirrorServer(mirrorHost, identity);
    sessions.add(session);
    session.server.onclose = () => {
      sessions.delete(session);
    };
    return session;
  }

  function close(closeOptions: { readonly drainTimeoutMs?: number } = {}): Promise<void> {
    if (closing !== undefined && closeOptions.drainTimeoutMs !== undefined) {
      calls.shorten(closeOptions.drainTimeoutMs);
    }
    closing ??= (async () => {
      state = 'closing';
      lifetime.abort();
      emit({ type: 'draining', inFlight: calls.inFlight });
      http?.stopAccepting();
      if (!(await calls.drained(closeOptions.drainTimeoutMs ?? o.drainTimeoutMs))) {
        emit({ type: 'drain-timeout', inFlight: calls.inFlight });
      }
      // Let the last results reach their transports before the sessions close.
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.allSettled([...sessions].map((session) => session.server.close()));
      const connection = current;
      current = undefined;
      if (connection !== undefined) {
        connection.onlost = undefined;
        await connection.close().catch(() => undefined);
      }
      await http?.close();
      state = 'closed';
      emit({ type: 'closed' });
      resolveClosed(exit ?? { reason: 'closed' });
    })();
    return closing;
  }

  const first = await connect();
  try {
    adopt(first);
    table.install(await fetchTools(first, o.requestTimeoutMs));
  } catch (error) {
    await first.close().catch(() => undefined);
    throw error;
  }
  emit({ type: 'upstream-connected', server: serverName(first), tools: table.tools.length, restart: false });

  const gateway: Gateway = {
    registry: o.registry,
    events: runner.events,
    get url() {
      return http?.url;
    },
    get ready() {
      return state === 'ready' && current !== undefined;
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
          draining: () => state === 'closing',
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

function serverName(connection: UpstreamConnection): string {
  return `${connection.serverInfo.name} ${connection.serverInfo.version}`;
}
