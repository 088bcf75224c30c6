/**
 * The request handlers of one downstream 2025-11-25 session: each request runs the gateway pipeline's steps
 * for its method (the same seam as in process), then goes upstream on the session's connection, tracked as
 * the session's request in flight so upstream traffic meanwhile is routed back to it.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CancelTaskResultSchema,
  ErrorCode,
  GetTaskPayloadResultSchema,
  GetTaskResultSchema,
  ListTasksResultSchema,
  McpError,
  type CallToolRequest,
  type ListTasksResult,
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
import { TaskBook } from './task-book.js';
import { forwardMeta, rethrowUpstream } from './tool-call.js';
import type { UpstreamConnection } from './upstream.js';

/** What a mirror session uses of the hub: its connection, request tracking, levels and subscriptions. */
export type MirrorHub = Pick<
  SessionHub,
  'connectionFor' | 'track' | 'setLevel' | 'subscribe' | 'unsubscribe' | 'send'
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
      request.params.task === undefined
        ? this.#host.callTool(this.#session, request.params, extra)
        : this.#createTask(request.params, extra),
    );

  /** The task book of the session's connection, which routes its tasks' status notifications. */
  async #book(): Promise<{ client: Client; book: TaskBook }> {
    const { client } = await this.#live();
    return { client, book: TaskBook.of(client, (session, n) => this.#host.hub.send(session, n)) };
  }

  /**
   * A task-augmented tools/call: the pipeline runs as on any call and the upstream's CreateTaskResult comes
   * back unchanged, its task recorded as this session's. A refusal cannot be an `isError` result here (the
   * client asked for a task), so it is a JSON-RPC error carrying the refusal.
   */
  async #createTask(params: CallToolRequest['params'], extra: ToolExtra): Promise<CallToolResult> {
    // The book routes status notifications from before the call goes up; an upstream that is down is the
    // pipeline's to report (after auth), not this lookup's.
    const early = await this.#book().catch(() => undefined);
    const result = await this.#host.callTool(this.#session, params, extra);
    const taskId = (result as { task?: { taskId?: unknown } }).task?.taskId;
    if (typeof taskId === 'string') {
      (early ?? (await this.#book())).book.record(this.#session, taskId);
      return result;
    }
    const said = result.content?.find((part) => part.type === 'text')?.text ?? 'no task was created';
    throw new McpError(ErrorCode.InternalError, `tool \`${params.name}\` did not create a task: ${said}`, {
      result,
    });
  }

  /** tasks/get, tasks/result, tasks/cancel: for a task this session created, on its connection. */
  task<R extends Result>(
    method: 'tasks/get' | 'tasks/result' | 'tasks/cancel',
    schema: typeof GetTaskResultSchema | typeof GetTaskPayloadResultSchema | typeof CancelTaskResultSchema,
  ): MirrorHandler<Params & { taskId: string }, R> {
    const timeout = this.#host.requestTimeoutMs;
    return this.guarded(method, async (params: Params & { taskId: string }, extra) => {
      const { client, book } = await this.#book();
      book.check(this.#session, params.taskId);
      const options = { signal: extra.signal, timeout };
      return (await client.request({ method, params: forwardParams(params) }, schema, options)) as R;
    });
  }

  /** tasks/list: the upstream's list without the tasks other sessions created. */
  listTasks(): MirrorHandler<Params | undefined, ListTasksResult> {
    const timeout = this.#host.requestTimeoutMs;
    return this.guarded('tasks/list', async (params: Params | undefined, extra) => {
      const { client, book } = await this.#book();
      const options = { signal: extra.signal, timeout };
      const listed = await client.request(
        { method: 'tasks/list', params: forwardParams(params) },
        ListTasksResultSchema,
        options,
      );
      return { ...listed, tasks: book.only(this.#session, listed.tasks) };
    });
  }

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
