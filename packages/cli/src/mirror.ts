/** One downstream MCP session: a low-level Server that mirrors the upstream's tools, resources and prompts. */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  RootsListChangedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolRequest,
  type CompleteRequest,
  type GetPromptRequest,
  type ListPromptsRequest,
  type ListResourcesRequest,
  type ListResourceTemplatesRequest,
  type ReadResourceRequest,
  type SubscribeRequest,
  type UnsubscribeRequest,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, RequestContext, Result, ToolExtra, ToolRunner } from '@mcp-middleware/core';
import { extraFor, requestTarget } from '@mcp-middleware/core/helpers';
import { newSession, type Session } from './session.js';
import type { SessionHub } from './session-hub.js';
import { isPropagating } from './gateway-tracing.js';
import { forwardMeta, rethrowUpstream } from './tool-call.js';
import type { UpstreamConnection } from './upstream.js';

/** What a mirror server asks of the gateway. */
export interface MirrorHost {
  /** Sessions, their upstream connections, levels and subscriptions. */
  readonly hub: SessionHub;
  /** The tools `session` sees. */
  tools(session: Session): Promise<readonly Tool[]>;
  callTool(session: Session, params: CallToolRequest['params'], extra: ToolExtra): Promise<CallToolResult>;
  readonly requestTimeoutMs: number;
  /** The gateway's pipeline: every request other than tools/call passes its steps. */
  readonly runner: ToolRunner;
}

/** The capabilities to offer: the upstream's, with list changes always announced (restarts change lists). */
export function mirroredCapabilities(upstream: ServerCapabilities): ServerCapabilities {
  return {
    ...(upstream.tools !== undefined && { tools: { listChanged: true } }),
    ...(upstream.resources !== undefined && {
      resources: { listChanged: true, ...(upstream.resources.subscribe === true && { subscribe: true }) },
    }),
    ...(upstream.prompts !== undefined && { prompts: { listChanged: true } }),
    ...(upstream.logging !== undefined && { logging: {} }),
    ...(upstream.completions !== undefined && { completions: {} }),
  };
}

type Params = { readonly _meta?: Parameters<typeof forwardMeta>[0] } & Record<string, unknown>;

function forwardParams<P extends Params | undefined>(params: P): P {
  if (params?._meta?.progressToken === undefined && !isPropagating()) return params;
  const meta = forwardMeta(params?._meta);
  const { _meta: _dropped, ...rest } = params ?? {};
  return (meta === undefined ? rest : { ...rest, _meta: meta }) as P;
}

/** Creates the Server for one downstream session, bound to the gateway. */
export function createMirrorServer(host: MirrorHost, upstream: UpstreamConnection): Session {
  const capabilities = mirroredCapabilities(upstream.capabilities);
  const server = new Server(upstream.serverInfo, {
    capabilities,
    ...(upstream.instructions !== undefined && { instructions: upstream.instructions }),
  });
  const session = newSession(server);
  const { hub } = host;

  const live = async (): Promise<UpstreamConnection> => {
    const connection = await hub.connectionFor(session);
    if (connection === undefined) {
      throw new McpError(ErrorCode.InternalError, 'the upstream MCP server is unavailable; retry shortly');
    }
    return connection;
  };
  const options = (extra: { signal: AbortSignal }): RequestOptions => ({
    signal: extra.signal,
    timeout: host.requestTimeoutMs,
  });
  // The same seam as in process: the pipeline's steps for this method, then the upstream.
  const guarded =
    <P extends Params | undefined, R extends Result>(
      method: string,
      forward: (params: P, extra: ToolExtra) => Promise<R>,
    ) =>
    (request: { params?: P }, extra: ToolExtra): Promise<R> =>
      hub.track(
        session,
        extra.requestId,
        () =>
          host.runner.request(
            method,
            request.params,
            requestTarget(method, request.params),
            extra,
            (ctx: RequestContext) => forward(ctx.params as P, extraFor(ctx)).catch(rethrowUpstream),
          ) as Promise<R>,
      );

  if (capabilities.tools !== undefined) {
    server.setRequestHandler(
      ListToolsRequestSchema,
      guarded('tools/list', async () => ({ tools: [...(await host.tools(session))] })),
    );
    server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
      hub.track(session, extra.requestId, () => host.callTool(session, request.params, extra)),
    );
  }
  if (capabilities.resources !== undefined) {
    server.setRequestHandler(
      ListResourcesRequestSchema,
      guarded('resources/list', async (params: ListResourcesRequest['params'], extra: ToolExtra) =>
        (await live()).client.listResources(forwardParams(params), options(extra)),
      ),
    );
    server.setRequestHandler(
      ListResourceTemplatesRequestSchema,
      guarded(
        'resources/templates/list',
        async (params: ListResourceTemplatesRequest['params'], extra: ToolExtra) =>
          (await live()).client.listResourceTemplates(forwardParams(params), options(extra)),
      ),
    );
    server.setRequestHandler(
      ReadResourceRequestSchema,
      guarded('resources/read', async (params: ReadResourceRequest['params'], extra: ToolExtra) =>
        (await live()).client.readResource(forwardParams(params), options(extra)),
      ),
    );
  }
  if (capabilities.prompts !== undefined) {
    server.setRequestHandler(
      ListPromptsRequestSchema,
      guarded('prompts/list', async (params: ListPromptsRequest['params'], extra: ToolExtra) =>
        (await live()).client.listPrompts(forwardParams(params), options(extra)),
      ),
    );
    server.setRequestHandler(
      GetPromptRequestSchema,
      guarded('prompts/get', async (params: GetPromptRequest['params'], extra: ToolExtra) =>
        (await live()).client.getPrompt(forwardParams(params), options(extra)),
      ),
    );
  }
  if (capabilities.completions !== undefined) {
    server.setRequestHandler(
      CompleteRequestSchema,
      guarded('completion/complete', async (params: CompleteRequest['params'], extra: ToolExtra) =>
        (await live()).client.complete(forwardParams(params), options(extra)),
      ),
    );
  }
  if (capabilities.logging !== undefined) {
    server.setRequestHandler(SetLevelRequestSchema, async (request) => {
      await hub.setLevel(session, request.params.level);
      return {};
    });
  }
  if (capabilities.resources?.subscribe === true) {
    server.setRequestHandler(
      SubscribeRequestSchema,
      guarded('resources/subscribe', async (params: SubscribeRequest['params']) => {
        await hub.subscribe(session, params.uri);
        return {};
      }),
    );
    server.setRequestHandler(
      UnsubscribeRequestSchema,
      guarded('resources/unsubscribe', async (params: UnsubscribeRequest['params']) => {
        await hub.unsubscribe(session, params.uri);
        return {};
      }),
    );
  }
  server.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
    await (await hub.connectionFor(session))?.client.sendRootsListChanged();
  });
  return session;
}
