/**
 * The tool router: which tool list a session sees (the shared connection's, or its own upstream session's),
 * and the run its `tools/call` takes through the pipeline to the connection that serves it.
 */
import {
  ToolListChangedNotificationSchema,
  type CallToolRequest,
  type ServerNotification,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import {
  MiddlewareError,
  toToolResult,
  type CallToolResult,
  type ToolExtra,
  type ToolRunner,
} from '@mcp-middleware/core';
import type { CallTracker } from './drain.js';
import type { Session } from './session.js';
import type { SessionHub } from './session-hub.js';
import { upstreamToolHandler } from './tool-call.js';
import { ToolTable, fetchTools } from './tool-table.js';
import { describeError, type UpstreamConnection } from './upstream.js';
import type { UpstreamSupervisor } from './upstream-supervisor.js';

/** The notification every client gets when a tool list changes. */
export const TOOLS_CHANGED: ServerNotification = { method: 'notifications/tools/list_changed' };

/** What the router needs from the gateway. */
export interface RouterParts {
  readonly runner: ToolRunner;
  readonly hub: SessionHub;
  readonly supervisor: UpstreamSupervisor;
  readonly calls: CallTracker;
  readonly requestTimeoutMs: number;
  warn(message: string): void;
}

/** Tool lists and tool calls, per session. */
export class ToolRouter {
  readonly #parts: RouterParts;
  readonly #handler: ReturnType<typeof upstreamToolHandler>;
  /** The shared connection's tools: what every session sees unless it has an upstream session of its own. */
  readonly shared: ToolTable;

  constructor(parts: RouterParts) {
    this.#parts = parts;
    const { hub, supervisor } = parts;
    this.#handler = upstreamToolHandler(
      {
        // Every session shares the supervisor's connection unless each has its own: then no lookup, no wait.
        connection: (ctx) => {
          if (!hub.perSession) return supervisor.current;
          const session = hub.sessionOf(ctx.extra);
          return session === undefined ? supervisor.current : hub.connectionFor(session);
        },
        unavailable: (name) => supervisor.unavailable(name),
      },
      parts.requestTimeoutMs,
    );
    this.shared = new ToolTable(parts.runner, this.#handler);
  }

  /** Fetches the shared list again; a failure is reported, and the old list stays. */
  refresh(): Promise<void> {
    const { supervisor, requestTimeoutMs } = this.#parts;
    return this.shared
      .refresh(() => supervisor.current, requestTimeoutMs)
      .catch((error: unknown) => {
        this.#parts.warn(`could not refresh the upstream tool list: ${describeError(error)}`);
      });
  }

  /** Fills the shared list from the first connection; rejects when the upstream will not list its tools. */
  async install(connection: UpstreamConnection): Promise<void> {
    this.shared.install(await fetchTools(connection, this.#parts.requestTimeoutMs));
  }

  /** Gives `session` the tool list of its own upstream session, kept current on `list_changed`. */
  async adopt(session: Session, connection: UpstreamConnection): Promise<void> {
    const own = new ToolTable(this.#parts.runner, this.#handler);
    own.install(await fetchTools(connection, this.#parts.requestTimeoutMs));
    session.table = own;
    connection.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      await own.refresh(() => connection, this.#parts.requestTimeoutMs).catch(() => undefined);
      this.#parts.hub.send(session, TOOLS_CHANGED);
    });
  }

  /** The tools `session` sees. */
  async tools(session: Session): Promise<readonly Tool[]> {
    return (await this.#tableFor(session)).tools;
  }

  /** Runs one `tools/call` of `session` through the pipeline, counted for the drain. */
  async call(session: Session, params: CallToolRequest['params'], extra: ToolExtra): Promise<CallToolResult> {
    const { supervisor, hub, calls } = this.#parts;
    if (!supervisor.accepting) {
      return toToolResult(
        new MiddlewareError(
          'UPSTREAM_ERROR',
          `the gateway is shutting down; tool \`${params.name}\` was not called; retry on another instance`,
        ),
      );
    }
    calls.enter();
    try {
      // Its own session not opening is the pipeline's to see: the shared list's run reports it.
      const table = hub.perSession ? await this.#ownTable(session, extra) : this.shared;
      return await (params.task === undefined
        ? table.run(params.name)(params.arguments, extra)
        : table.runWithParams(params, extra));
    } finally {
      calls.leave();
    }
  }

  async #tableFor(session: Session): Promise<ToolTable> {
    if (this.#parts.hub.perSession) await this.#parts.hub.connectionFor(session);
    return session.table ?? this.shared;
  }

  /** With an upstream session per client: the table of `session`'s own (tagged so its calls go there). */
  #ownTable(session: Session, extra: ToolExtra): Promise<ToolTable> {
    this.#parts.hub.tag(extra, session);
    return this.#tableFor(session).catch(() => this.shared);
  }
}
