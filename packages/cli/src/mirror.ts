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
  SetLevelRequestSchema,
  type CallToolRequest,
  type LoggingLevel,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ToolExtra } from '@mcp-middleware/core';
import { forwardMeta } from './tool-call.js';
import type { UpstreamConnection } from './upstream.js';

/** A downstream session and what the gateway tracks for it. */
export interface Session {
  readonly server: Server;
  /** The level the client asked for with `logging/setLevel`; undefined means everything. */
  level: LoggingLevel | undefined;
}

/** What a mirror server asks of the gateway. */
export interface MirrorHost {
  connection(): UpstreamConnection | undefined;
  tools(): readonly Tool[];
  callTool(params: CallToolRequest['params'], extra: ToolExtra): Promise<CallToolResult>;
  setLevel(session: Session, level: LoggingLevel): Promise<void>;
  readonly requestTimeoutMs: number;
}

/** The capabilities to offer: the upstream's, with list changes always announced (restarts change lists). */
export function mirroredCapabilities(upstream: ServerCapabilities): ServerCapabilities {
  return {
    ...(upstream.tools !== undefined && { tools: { listChanged: true } }),
    ...(upstream.resources !== undefined && { resources: { listChanged: true } }),
    ...(upstream.prompts !== undefined && { prompts: { listChanged: true } }),
    ...(upstream.logging !== undefined && { logging: {} }),
    ...(upstream.completions !== undefined && { completions: {} }),
  };
}

type Params = { readonly _meta?: Parameters<typeof forwardMeta>[0] } & Record<string, unknown>;

function forwardParams<P extends Params | undefined>(params: P): P {
  if (params?._meta?.progressToken === undefined) return params;
  const meta = forwardMeta(params._meta);
  const { _meta: _dropped, ...rest } = params;
  return (meta === undefined ? rest : { ...rest, _meta: meta }) as P;
}

/** Creates the Server for one downstream session, bound to the gateway. */
export function createMirrorServer(host: MirrorHost, upstream: UpstreamConnection): Session {
  const capabilities = mirroredCapabilities(upstream.capabilities);
  const server = new Server(upstream.serverInfo, {
    capabilities,
    ...(upstream.instructions !== undefined && { instructions: upstream.instructions }),
  });
  const session: Session = { server, level: undefined };

  const live = (): UpstreamConnection => {
    const connection = host.connection();
    if (connection === undefined) {
      throw new McpError(ErrorCode.InternalError, 'the upstream MCP server is unavailable; retry shortly');
    }
    return connection;
  };
  const options = (extra: { signal: AbortSignal }): RequestOptions => ({
    signal: extra.signal,
    timeout: host.requestTimeoutMs,
  });

  if (capabilities.tools !== undefined) {
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...host.tools()] }));
    server.setRequestHandler(CallToolRequestSchema, (request, extra) => host.callTool(request.params, extra));
  }
  if (capabilities.resources !== undefined) {
    server.setRequestHandler(ListResourcesRequestSchema, (request, extra) =>
      live().client.listResources(forwardParams(request.params), options(extra)),
    );
    server.setRequestHandler(ListResourceTemplatesRequestSchema, (request, extra) =>
      live().client.listResourceTemplates(forwardParams(request.params), options(extra)),
    );
    server.setRequestHandler(ReadResourceRequestSchema, (request, extra) =>
      live().client.readResource(forwardParams(request.params), options(extra)),
    );
  }
  if (capabilities.prompts !== undefined) {
    server.setRequestHandler(ListPromptsRequestSchema, (request, extra) =>
      live().client.listPrompts(forwardParams(request.params), options(extra)),
    );
    server.setRequestHandler(GetPromptRequestSchema, (request, extra) =>
      live().client.getPrompt(forwardParams(request.params), options(extra)),
    );
  }
  if (capabilities.completions !== undefined) {
    server.setRequestHandler(CompleteRequestSchema, (request, extra) =>
      live().client.complete(forwardParams(request.params), options(extra)),
    );
  }
  if (capabilities.logging !== undefined) {
    server.setRequestHandler(SetLevelRequestSchema, async (request) => {
      await host.setLevel(session, request.params.level);
      return {};
    });
  }
  return session;
}
