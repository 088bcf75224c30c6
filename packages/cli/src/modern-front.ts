/**
 * The 2026-07-28 front door of `--listen http`: stateless requests (no session, per-request `_meta`)
 * served by SDK v2's `createMcpHandler`, which answers `server/discover`, validates the envelope and the
 * `Mcp-Method`/`Mcp-Name` headers, answers removed methods and adds `resultType`. Every request passes the
 * gateway's pipeline, then goes upstream in the revision the upstream speaks (modern-upstream.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toWebRequest, type NodeIncomingMessageLike } from '@modelcontextprotocol/node';
import {
  Server,
  createMcpHandler,
  isLegacyRequest,
  type AuthInfo,
  type McpHttpHandler,
  type ServerContext,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, RequestContext, ToolContext, ToolInfo, ToolRunner } from '@mcp-middleware/core';
import { requestTarget } from '@mcp-middleware/core/helpers';
import type { CallTracker } from './drain.js';
import { mirroredCapabilities } from './mirror.js';
import { clientMeta, modernExtra } from './modern-extra.js';
import { listenedResources, mrtrParams, rememberBody, writeResponse } from './modern-http.js';
import type { ForwardOptions, ModernUpstream } from './modern-upstream.js';
import { forwardMeta, rethrowUpstream, toolInfoOf, upstreamFailure } from './tool-call.js';
import type { UpstreamConnection } from './upstream.js';

/** What the 2026 front door asks of the gateway. */
export interface ModernHost {
  readonly runner: ToolRunner;
  readonly upstream: ModernUpstream;
  /** The upstream's identity (capabilities, serverInfo, instructions), or undefined while it is down. */
  identity(): UpstreamConnection | undefined;
  /** The upstream's tools, for the ToolInfo each call's pipeline sees. */
  tools(): readonly Tool[];
  readonly calls: CallTracker;
  readonly requestTimeoutMs: number;
  /** A client opens `subscriptions/listen` for these resource URIs. */
  listening?(uris: readonly string[]): void;
}

/** The 2026-07-28 front door. */
export interface ModernFront {
  /** True when `body` (already parsed) is a 2026-07-28 request: this door owns its answer, errors included. */
  claims(req: IncomingMessage, body: unknown): Promise<boolean>;
  serve(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  /** Publishes list changes and resource updates to open `subscriptions/listen` streams. */
  readonly notify: ServerNotifier;
  close(): Promise<void>;
}

// Results a client may cache (SEP-2549): per caller when a middleware has a step for them (auth filters).
const CACHEABLE = new Set([
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);
const PROGRESS_TOKEN = 'progressToken';

type Params = Readonly<Record<string, unknown>> | undefined;

/** The `_meta` to send upstream: the client's, envelope included, as the 2025 path sends it (no progress token). */
function upstreamMeta(
  meta: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  return forwardMeta(meta);
}

function forwardOptions(
  meta: Readonly<Record<string, unknown>> | undefined,
  signal: AbortSignal,
  timeoutMs: number,
  notify: (n: { method: string; params?: Record<string, unknown> }) => Promise<void>,
): ForwardOptions {
  const token = meta?.[PROGRESS_TOKEN];
  return {
    signal,
    timeoutMs,
    onnotification: (n) => void notify(n as never).catch(() => undefined),
    ...(token !== undefined && {
      onprogress: (progress) =>
        void notify({
          method: 'notifications/progress',
          params: { ...progress, progressToken: token },
        }).catch(() => undefined),
    }),
  };
}

/** Builds the 2026 front door on `host`. */
export function createModernFront(host: ModernHost): ModernFront {
  const infos = new WeakMap<Tool, ToolInfo>();
  const infoOf = (name: unknown): ToolInfo => {
    const tool = host.tools().find((t) => t.name === name);
    if (tool === undefined) return Object.freeze({ name: typeof name === 'string' ? name : '' });
    let info = infos.get(tool);
    if (info === undefined) infos.set(tool, (info = toolInfoOf(tool)));
    return info;
  };

  function buildServer(): Server {
    const identity = host.identity();
    if (identity === undefined) {
      throw Object.assign(new Error('the upstream MCP server is unavailable; retry shortly'), {
        code: -32603,
      });
    }
    const capabilities = mirroredCapabilities(identity.capabilities);
    const server = new Server(identity.serverInfo, {
      capabilities: capabilities as never,
      ...(identity.instructions !== undefined && { instructions: identity.instructions }),
    });
    const { runner } = host;

    const guarded = (method: string) => async (request: { params?: unknown }, ctx: ServerContext) => {
      const params = request.params as Params;
      const extra = modernExtra(ctx);
      const result = await runner.request(
        method,
        params,
        requestTarget(method, params),
        extra,
        (rctx: RequestContext) =>
          host.upstream
            .forward(
              method,
              { ...rctx.params, ...mrtrParams(ctx) },
              upstreamMeta(clientMeta(ctx)),
              forwardOptions(rctx.meta, rctx.signal, host.requestTimeoutMs, ctx.mcpReq.notify),
            )
            .catch(rethrowUpstream),
      );
      return (
        CACHEABLE.has(method) && runner.handles(method) ? { ...result, cacheScope: 'private' } : result
      ) as never;
    };

    const callTool = async (request: { params?: unknown }, ctx: ServerContext) => {
      const params = request.params as Params;
      host.calls.enter();
      try {
        const terminal = async (c?: ToolContext): Promise<CallToolResult> => {
          const call = c as ToolContext;
          const forwarded = {
            ...call.params,
            name: call.tool.name,
            arguments: call.args,
            ...mrtrParams(ctx),
          };
          return host.upstream
            .forward(
              'tools/call',
              forwarded,
              upstreamMeta(call.meta as Record<string, unknown> | undefined),
              forwardOptions(call.meta, call.signal, host.requestTimeoutMs, ctx.mcpReq.notify),
            )
            .then(
              (result) => result as CallToolResult,
              (error: unknown) => {
                throw upstreamFailure(error, call, host.requestTimeoutMs);
              },
            );
        };
        return (await runner.call(infoOf(params?.['name']), params, modernExtra(ctx), terminal)) as never;
      } finally {
        host.calls.leave();
      }
    };

    const on = (
      method: string,
      handler: (request: { params?: unknown }, ctx: ServerContext) => Promise<never>,
    ): void => server.setRequestHandler(method as 'tools/list', handler as never);
    if (capabilities.tools !== undefined) {
      on('tools/list', guarded('tools/list'));
      on('tools/call', callTool);
    }
    if (capabilities.resources !== undefined) {
      on('resources/list', guarded('resources/list'));
      on('resources/templates/list', guarded('resources/templates/list'));
      on('resources/read', guarded('resources/read'));
    }
    if (capabilities.prompts !== undefined) {
      on('prompts/list', guarded('prompts/list'));
      on('prompts/get', guarded('prompts/get'));
    }
    if (capabilities.completions !== undefined) on('completion/complete', guarded('completion/complete'));
    return server;
  }

  // Strict: 2025-11-25 traffic never reaches this handler (the listener keeps it on its sessions).
  const handler: McpHttpHandler = createMcpHandler(() => buildServer(), { legacy: 'reject' });

  return {
    async claims(req, body) {
      if (req.method !== 'POST') return false;
      const probe = await toWebRequest(req as NodeIncomingMessageLike, body);
      return !(await isLegacyRequest(probe, body));
    },
    async serve(req, res, body) {
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      const request = await toWebRequest(req as NodeIncomingMessageLike, body, { signal: abort.signal });
      rememberBody(request, body);
      const uris = listenedResources(body);
      if (uris.length > 0) host.listening?.(uris);
      const authInfo = (req as { auth?: AuthInfo }).auth;
      const response = await handler.fetch(request, {
        parsedBody: body,
        ...(authInfo !== undefined && { authInfo }),
      });
      await writeResponse(response, res);
    },
    notify: handler.notify,
    close: () => handler.close(),
  };
}
