/**
 * The request handlers of one downstream 2025-11-25 session: each request runs the gateway pipeline's steps
 * for its method (the same seam as in process), then goes upstream on the session's connection, tracked as
 * the session's request in flight so upstream traffic meanwhile is routed back to it.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  ErrorCode,
  McpError,
  type CallToolRequest,
  type LoggingLevel,
  type SubscribeRequest,
  type Tool,
  type UnsubscribeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, RequestContext, Result, ToolExtra, ToolRunner } from '@mcp-middleware/core';
import { extraFor, requestTarget } from '@mcp-middleware/core/helpers';
import { isPropagating } from './gateway-tracing.js';
import type { Session } from './session.js';
import type { SessionHub } from './session-hub.js';
import { forwardMeta, rethrowUpstream } from './tool-call.js';
import type { UpstreamConnection } from './upstream.js';

/** What a mirror session uses of the hub: its connection, request tracking, levels and subscriptions. */
export type MirrorHub = Pick<
  SessionHub,
  'connectionFor' | 'track' | 'setLevel' | 'subscribe' | 'unsubscribe'
>;

/** What a mirror server asks of the gateway. */
export interface MirrorHost {
  /** Sessions, their upstream connections, levels and subscriptions. */
  readonly hub: MirrorHub;
  /** The tools `session` sees. */
  tools(session: Session): Promise<readonly Tool[]>;
  callTool(session: Session, params: CallToolRequest['params'], extra: ToolExtra): Promise<CallToolResult>;
  readonly requestTimeoutMs: number;
  /** The gateway's pipeline: every request other than tools/call passes its steps. */
  readonly runner: ToolRunner;
}

/** A request's params as the handlers see them: anything, with the client's `_meta` perhaps. */
export type Params = { readonly _meta?: Parameters<typeof forwardMeta>[0] } & Record<string, unknown>;

/** A request handler of the low-level Server. */
export type MirrorHandler<P, R> = (request: { params?: P }, extra: ToolExtra) => Promise<R>;

/** Asks `client` for one method; `options` carry the downstream request's signal and the request timeout. */
export type UpstreamAsk<P, R> = (client: Client, params: P, options: RequestOptions) => Promise<R>;

/** `params` to send upstream: `_meta` as forwardMeta makes it (no client progress token, trace context added). */
export function forwardParams<P extends Params | undefined>(params: P): P {
  if (params?._meta?.progressToken === undefined && !isPropagating()) return params;
  const meta = forwardMeta(params?._meta);
  const { _meta: _dropped, ...rest } = params ?? {};
  return (meta === undefined ? rest : { ...rest, _meta: meta }) as P;
}

/** The handlers of one session, bound to the gateway. */
export class MirrorHandlers {
  readonly #host: MirrorHost;
  readonly #session: Session;

  constructor(host: MirrorHost, session: Session) {
    this.#host = host;
    this.#session = session;
  }

  /** The session's upstream connection; an InternalError while the upstream is down. */
  async #live(): Promise<UpstreamConnection> {
    const connection = await this.#host.hub.connectionFor(this.#session);
    if (connection === undefined) {
      throw new McpError(ErrorCode.InternalError, 'the upstream MCP server is unavailable; retry shortly');
    }
    return connection;
  }

  /** `method`'s pipeline steps, then `forward`; an upstream's JSON-RPC error passes on unchanged. */
  guarded<P extends Params | undefined, R extends Result>(
    method: string,
    forward: (params: P, extra: ToolExtra) => Promise<R>,
  ): MirrorHandler<P, R> {
    const { hub, runner } = this.#host;
    return (request, extra) =>
      hub.track(
        this.#session,
        extra.requestId,
        () =>
          runner.request(
            method,
            request.params,
            requestTarget(method, request.params),
            extra,
            (ctx: RequestContext) => forward(ctx.params as P, extraFor(ctx)).catch(rethrowUpstream),
          ) as Promise<R>,
      );
  }

  /** A guarded handler that asks the session's upstream connection with the params the pipeline passed on. */
  upstream<P extends Params | undefined, R extends Result>(
    method: string,
    ask: UpstreamAsk<P, R>,
  ): MirrorHandler<P, R> {
    const timeout = this.#host.requestTimeoutMs;
    return this.guarded(method, async (params: P, extra) =>
      ask((await this.#live()).client, forwardParams(params), { signal: extra.signal, timeout }),
    );
  }

  /** tools/list: the tools this session sees, after the pipeline's steps (an auth filter, say). */
  listTools(): MirrorHandler<Params | undefined, { tools: Tool[] }> {
    return this.guarded('tools/list', async () => ({ tools: [...(await this.#host.tools(this.#session))] }));
  }

  /** tools/call: the gateway's call path (its own pipeline run), tracked as the session's request. */
  readonly callTool = (request: CallToolRequest, extra: ToolExtra): Promise<CallToolResult> =>
    this.#host.hub.track(this.#session, extra.requestId, () =>
      this.#host.callTool(this.#session, request.params, extra),
    );

  /** logging/setLevel: the hub forwards the level the session's clients ask for. */
  readonly setLevel = async (request: { params: { level: LoggingLevel } }): Promise<Result> => {
    await this.#host.hub.setLevel(this.#session, request.params.level);
    return {};
  };

  /** resources/subscribe, after the pipeline's steps: the hub subscribes upstream when it needs to. */
  subscribe(): MirrorHandler<SubscribeRequest['params'], Result> {
    return this.guarded('resources/subscribe', async (params: SubscribeRequest['params']) => {
      await this.#host.hub.subscribe(this.#session, params.uri);
      return {};
    });
  }

  /** resources/unsubscribe, after the pipeline's steps: the hub unsubscribes upstream when it needs to. */
  unsubscribe(): MirrorHandler<UnsubscribeRequest['params'], Result> {
    return this.guarded('resources/unsubscribe', async (params: UnsubscribeRequest['params']) => {
      await this.#host.hub.unsubscribe(this.#session, params.uri);
      return {};
    });
  }

  /** notifications/roots/list_changed: passed on to the session's upstream connection, if it has one. */
  readonly rootsChanged = async (): Promise<void> => {
    await (await this.#host.hub.connectionFor(this.#session))?.client.sendRootsListChanged();
  };
}
