/**
 * The per-request server of the 2026-07-28 front door: a v2 low-level Server that mirrors the upstream's
 * capabilities, whose handlers run each request through the gateway's pipeline and then forward it
 * upstream (modern-upstream.ts) with the client's `_meta`, `inputResponses` and `requestState`.
 */
import { Server, type ServerContext } from '@modelcontextprotocol/server';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, RequestContext, ToolContext, ToolInfo, ToolRunner } from '@mcp-middleware/core';
import { principalIdOf, requestTarget } from '@mcp-middleware/core/helpers';
import type { CallTracker } from './drain.js';
import { offersToolTasks, runsAsTask } from './legacy-tasks.js';
import { mirroredCapabilities } from './mirror.js';
import { clientMeta, modernExtra } from './modern-extra.js';
import { mrtrParams } from './modern-http.js';
import {
  declaresTasks,
  missingTasksCapability,
  TASK_METHODS,
  TASKS_EXTENSION,
  taskHandleId,
  TaskOwners,
  TaskParamsSchema,
} from './modern-tasks.js';
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
  /**
   * A client opens `subscriptions/listen` for these resource URIs; the release is called when it closes.
   * Throws (a {@link ListenRefusal}) when the gateway has no room for the new ones.
   */
  listening?(uris: readonly string[]): (() => void) | undefined;
  /** Throws as `listening` would, holding nothing: the check made before a listen is admitted. */
  roomFor?(uris: readonly string[]): void;
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
  caller?: RequestContext,
): ForwardOptions {
  const token = meta?.[PROGRESS_TOKEN];
  return {
    signal,
    timeoutMs,
    caller,
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

type Handler = (request: { params?: unknown }, ctx: ServerContext) => Promise<never>;
type TaskHandler = (params: { taskId: string }, ctx: ServerContext) => Promise<never>;

/** Builds the server each 2026-07-28 request is answered by; the ToolInfo cache lives across requests. */
export class ModernHandlers {
  readonly #host: ModernHost;
  readonly #infos = new WeakMap<Tool, ToolInfo>();
  /** Who created each task (Tasks extension): only its principal reaches it. */
  readonly #tasks = new TaskOwners();

  constructor(host: ModernHost) {
    this.#host = host;
  }

  /** The ToolInfo the pipeline sees for `name`: the upstream's tool, or just the name for one it lacks. */
  #infoOf(name: unknown): ToolInfo {
    const tool = this.#host.tools().find((t) => t.name === name);
    if (tool === undefined) return Object.freeze({ name: typeof name === 'string' ? name : '' });
    let info = this.#infos.get(tool);
    if (info === undefined) this.#infos.set(tool, (info = toolInfoOf(tool)));
    return info;
  }

  /** A request other than tools/call: its pipeline steps, then upstream. */
  #guarded(method: string): Handler {
    const host = this.#host;
    const { runner } = host;
    return async (request, ctx) => {
      const params = request.params as Params;
      const result = await runner.request(
        method,
        params,
        requestTarget(method, params),
        modernExtra(ctx),
        (rctx: RequestContext) =>
          host.upstream
            .forward(
              method,
              { ...rctx.params, ...mrtrParams(ctx) },
              upstreamMeta(clientMeta(ctx)),
              forwardOptions(rctx.meta, rctx.signal, host.requestTimeoutMs, ctx.mcpReq.notify, rctx),
            )
            .catch(rethrowUpstream),
      );
      return (
        CACHEABLE.has(method) && runner.handles(method) ? { ...result, cacheScope: 'private' } : result
      ) as never;
    };
  }

  /** tools/call: the tool's pipeline (its annotations and schemas known), then upstream; counted for the drain. */
  readonly #callTool: Handler = async (request, ctx) => {
    const host = this.#host;
    const params = request.params as Params;
    const terminal = async (c?: ToolContext): Promise<CallToolResult> => {
      const call = c as ToolContext;
      const forwarded = {
        ...call.params,
        name: call.tool.name,
        arguments: call.args,
        ...mrtrParams(ctx),
        ...(this.#legacyTask(call) && { task: {} }),
      };
      return host.upstream
        .forward(
          'tools/call',
          forwarded,
          upstreamMeta(call.meta as Record<string, unknown> | undefined),
          forwardOptions(call.meta, call.signal, host.requestTimeoutMs, ctx.mcpReq.notify, call),
        )
        .then(
          (result) => {
            const taskId = taskHandleId(result);
            if (taskId !== undefined) this.#tasks.record(principalIdOf(call), taskId);
            return result as CallToolResult;
          },
          (error: unknown) => {
            throw upstreamFailure(error, call, host.requestTimeoutMs);
          },
        );
    };
    host.calls.enter();
    try {
      return (await host.runner.call(
        this.#infoOf(params?.['name']),
        params,
        modernExtra(ctx),
        terminal,
      )) as never;
    } finally {
      host.calls.leave();
    }
  };

  /** Whether `call` goes to a 2025-only upstream as a task: its client accepts one, its tool runs as one. */
  #legacyTask(call: ToolContext): boolean {
    const host = this.#host;
    if (!host.upstream.legacyOnly || !declaresTasks(call.meta)) return false;
    const identity = host.identity();
    if (identity === undefined || !offersToolTasks(identity.capabilities)) return false;
    return runsAsTask(host.tools().find((tool) => tool.name === call.tool.name));
  }

  /**
   * tasks/get, tasks/update, tasks/cancel (Tasks extension): the pipeline's steps, then upstream, for a
   * client that declared the extension (else -32021) and a task its principal created (else unknown).
   */
  #task(method: string): TaskHandler {
    const host = this.#host;
    return async (params, ctx) => {
      const meta = clientMeta(ctx);
      return (await host.runner.request(method, params, params.taskId, modernExtra(ctx), (rctx) => {
        if (!declaresTasks(meta)) throw missingTasksCapability();
        this.#tasks.check(principalIdOf(rctx), params.taskId);
        return host.upstream
          .forward(
            method,
            rctx.params,
            upstreamMeta(meta),
            forwardOptions(rctx.meta, rctx.signal, host.requestTimeoutMs, ctx.mcpReq.notify),
          )
          .catch(rethrowUpstream);
      })) as never;
    };
  }

  /**
   * A server for one request, mirroring the upstream; throws (-32603) while the upstream is down. Before
   * the upstream's revision is known (the gateway's first requests), it waits for that first.
   */
  build(): Server | Promise<Server> {
    const { upstream } = this.#host;
    return upstream.settled ? this.#build() : upstream.era().then(() => this.#build());
  }

  #build(): Server {
    const identity = this.#host.identity();
    if (identity === undefined) {
      throw Object.assign(new Error('the upstream MCP server is unavailable; retry shortly'), {
        code: -32603,
      });
    }
    const { upstream } = this.#host;
    // A 2026 upstream's own declaration; a 2025-only one that takes task-augmented calls is translated.
    const tasks =
      upstream.extension(TASKS_EXTENSION) ??
      (upstream.legacyOnly && offersToolTasks(identity.capabilities) ? {} : undefined);
    const capabilities = {
      ...mirroredCapabilities(identity.capabilities),
      ...(tasks !== undefined && { extensions: { [TASKS_EXTENSION]: tasks } }),
    };
    const server = new Server(identity.serverInfo, {
      capabilities: capabilities as never,
      ...(identity.instructions !== undefined && { instructions: identity.instructions }),
    });
    const on = (method: string, handler: Handler): void =>
      server.setRequestHandler(method as 'tools/list', handler as never);
    const lists = {
      tools: ['tools/list'],
      resources: ['resources/list', 'resources/templates/list', 'resources/read'],
      prompts: ['prompts/list', 'prompts/get'],
      completions: ['completion/complete'],
    } as const;
    for (const [capability, methods] of Object.entries(lists)) {
      if (capabilities[capability as keyof typeof lists] === undefined) continue;
      for (const method of methods) on(method, this.#guarded(method));
    }
    if (capabilities.tools !== undefined) on('tools/call', this.#callTool);
    // An explicit params schema is what SDK v2 needs to serve these 2025 names on 2026-07-28 (SEP-2663).
    if (tasks !== undefined) {
      for (const method of TASK_METHODS) {
        server.setRequestHandler(method, { params: TaskParamsSchema }, this.#task(method) as never);
      }
    }
    return server;
  }
}
