/**
 * The SDK adapter, for @modelcontextprotocol/sdk 1.x and @modelcontextprotocol/server 2.x alike: every
 * request a server answers runs through the pipeline (tool calls before the SDK parses their arguments,
 * lists, resources, prompts, completion), and one-off tool callbacks.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CallToolResult, Operation, RequestContext, ToolContext, ToolInfo } from './contract.js';
import { asProtocolError } from './not-found.js';
import { paramsOf, requestTarget } from './request-target.js';
import {
  argumentsOf,
  createToolRunner,
  type Pipeline,
  type RunnerOptions,
  type ToolRunner,
  type UnknownTarget,
} from './runner.js';
import {
  isMcpServer,
  protocolOf,
  replaceRequestHandlers,
  requestHandlersOf,
  toolRegistryOf,
  type RawRequestHandler,
} from './sdk-v1.js';
import {
  extraOfSdk,
  handlerArgOf,
  isV2Protocol,
  isV2ToolRegistry,
  v2NotFound,
  type V2ToolRecord,
} from './sdk-v2.js';
import { adoptTools, adoptV2Tools, rethrowThrown, type AnyCallback } from './tool-callbacks.js';
import { createToolInfo } from './tool-info.js';

const APPLIED = Symbol.for('io.github.mcp-middleware/applied');
// The handshake stays outside the pipeline: credentials for it are the HTTP front door's job.
const OUTSIDE = new Set(['initialize', 'ping', 'server/discover']);

/**
 * Wraps one SDK tool callback, of either SDK line. With an input schema the SDK calls `(args, extra)` (v2:
 * `(args, ctx)`), without one `(extra)`; `tool.inputSchema` decides which shape the wrapper accepts and
 * calls. The callback gets the SDK's own object, with only its signal replaced.
 */
export function wrapTool<C extends AnyCallback>(
  handler: C,
  pipeline: Pipeline,
  tool: ToolInfo,
  options?: RunnerOptions,
): C {
  const runner = createToolRunner(pipeline, options);
  const invoke = handler as unknown as (...args: unknown[]) => CallToolResult | Promise<CallToolResult>;
  if (tool.inputSchema === undefined) {
    const run = runner.bind(tool, (ctx) => invoke(handlerArgOf(ctx)));
    return ((sdkArg: unknown) => run(undefined, extraOfSdk(sdkArg))) as unknown as C;
  }
  const run = runner.bind(tool, (ctx) => invoke(ctx.args, handlerArgOf(ctx)));
  return ((args: ToolContext['args'], sdkArg: unknown) => run(args, extraOfSdk(sdkArg))) as unknown as C;
}

// A low-level handler's McpError is a JSON-RPC error it chose to send.
function hasJsonRpcCode(error: unknown): boolean {
  try {
    return (
      typeof error === 'object' && error !== null && Number.isInteger((error as { code?: unknown }).code)
    );
  } catch {
    return false;
  }
}

/** Runs `handler` for tools/call through the pipeline, before the SDK parses the arguments. */
function toolsCall(
  runner: ToolRunner,
  handler: RawRequestHandler,
  infoOf: (name: string) => ToolInfo,
  sdkRaisesOnly: boolean,
  unknown: UnknownTarget | undefined,
): RawRequestHandler {
  const onReject = (error: unknown): Promise<never> =>
    Promise.reject(sdkRaisesOnly || hasJsonRpcCode(error) ? asProtocolError(error) : error);
  const terminal = (c?: ToolContext): Promise<CallToolResult> => {
    const ctx = c as ToolContext;
    const params = ctx.params;
    const request = {
      method: 'tools/call',
      params: ctx.args === argumentsOf(params) ? params : { ...params, arguments: ctx.args },
    } as Parameters<RawRequestHandler>[0];
    const sdkArg = handlerArgOf(ctx);
    let pending: Promise<unknown>;
    try {
      pending = handler(request, sdkArg as never);
    } catch (error) {
      return Promise.reject(asProtocolError(error));
    }
    // An McpServer's handler catches whatever the tool throws; what still rejects is the SDK's own.
    return pending.then((result) => rethrowThrown(sdkArg as object, result), onReject);
  };
  return (request, sdkArg) => {
    const params = paramsOf(request);
    const name = params?.name;
    const info = infoOf(typeof name === 'string' ? name : '');
    return runner.call(info, params, extraOfSdk(sdkArg), terminal, unknown);
  };
}

// What the server's own handler rejects with is its answer (v2's errors are not v1 McpErrors, so they are
// marked here to pass the pipeline unchanged).
const passThrough = (error: unknown): Promise<never> =>
  Promise.reject(hasJsonRpcCode(error) ? asProtocolError(error) : error);

function otherRequest(
  runner: ToolRunner,
  method: Operation,
  handler: RawRequestHandler,
  unknown: UnknownTarget | undefined,
): RawRequestHandler {
  if (!runner.handles(method)) return handler;
  const terminal = (ctx: RequestContext): Promise<never> =>
    (
      handler(
        { method, ...(ctx.params !== undefined && { params: ctx.params }) },
        handlerArgOf(ctx) as never,
      ) as Promise<never>
    ).catch(passThrough);
  return (request, sdkArg) => {
    const params = paramsOf(request);
    const target = requestTarget(method, params);
    return runner.request(method, params, target, extraOfSdk(sdkArg), terminal, unknown);
  };
}

interface FallbackHolder {
  fallbackRequestHandler?: RawRequestHandler | undefined;
}

// A method the server has no handler for passes the pipeline too (auth refuses it, metrics count it), then
// gets exactly the bare server's answer: -32601 "Method not found". A fallback of the user's is wrapped.
function guardUnknownMethods(
  protocol: FallbackHolder,
  runner: ToolRunner,
  unknown: UnknownTarget | undefined,
): void {
  const own = protocol.fallbackRequestHandler;
  const terminal =
    own ??
    ((): Promise<never> =>
      Promise.reject(asProtocolError(Object.assign(new Error('Method not found'), { code: -32601 }))));
  protocol.fallbackRequestHandler = (request, sdkArg) => {
    const params = paramsOf(request);
    if (!runner.handles(request.method)) return terminal(request, sdkArg);
    return runner.request(
      request.method,
      params,
      requestTarget(request.method, params),
      extraOfSdk(sdkArg),
      (ctx) =>
        terminal(
          { method: request.method, ...(ctx.params !== undefined && { params: ctx.params }) },
          handlerArgOf(ctx) as never,
        ) as Promise<never>,
      unknown,
    );
  };
}

function isRunner(pipeline: Pipeline | ToolRunner): pipeline is ToolRunner {
  return typeof pipeline === 'object' && 'call' in pipeline && 'request' in pipeline;
}

/** A server of either SDK line: an McpServer (v1 or v2), or a low-level Server. */
export type SdkServer = McpServer | Server | { readonly server: object } | { setRequestHandler: unknown };

/**
 * Runs every request `server` answers through `pipeline`: tool calls (before the SDK parses their
 * arguments, and for unknown tools), lists, `resources/read`, `prompts/get`, `completion/complete` and
 * any other method, on an `McpServer` or a low-level `Server` of @modelcontextprotocol/sdk 1.x or
 * @modelcontextprotocol/server 2.x (told apart by shape). Handlers and tools registered later are covered
 * too. Pass a runner from `createToolRunner` to share one composed pipeline across servers built per
 * request. Applying it twice to one server throws: compose one pipeline instead.
 */
export function withMiddleware<S extends SdkServer>(
  server: S,
  pipeline: Pipeline | ToolRunner,
  options?: RunnerOptions,
): S {
  const protocol = protocolOf(server);
  const target = protocol as { [APPLIED]?: true };
  if (target[APPLIED] === true) {
    throw new Error(
      'withMiddleware: this server already has a pipeline; compose all middlewares into one pipeline ' +
        'and call withMiddleware once',
    );
  }
  const handlers = requestHandlersOf(protocol);
  const registry = toolRegistryOf(server);
  const v2 = isV2Protocol(protocol);
  if (
    handlers === undefined ||
    (protocol !== server && registry === undefined) ||
    (v2 && registry !== undefined && !isV2ToolRegistry(registry))
  ) {
    throw new Error(
      'withMiddleware: this server does not keep its request handlers and tools where ' +
        '@modelcontextprotocol/sdk 1.x or @modelcontextprotocol/server 2.x does, so requests could bypass ' +
        'the pipeline; nothing was changed. Use wrapTool() on each callback, or an SDK line this package supports',
    );
  }
  const runner = isRunner(pipeline) ? pipeline : createToolRunner(pipeline, options);
  const unknown = v2 ? v2NotFound : undefined;

  const infos = new WeakMap<object, ToolInfo>();
  const infoOf = (name: string): ToolInfo => {
    const record = registry !== undefined && Object.hasOwn(registry, name) ? registry[name] : undefined;
    // A disabled tool answers like an unknown one; its schema must not show through validation texts.
    if (record === undefined || !record.enabled) return { name };
    let info = infos.get(record);
    if (info === undefined) infos.set(record, (info = createToolInfo(name, record)));
    return info;
  };
  const wrap = (method: string, handler: RawRequestHandler): RawRequestHandler => {
    if (OUTSIDE.has(method)) return handler;
    if (method === 'tools/call') return toolsCall(runner, handler, infoOf, registry !== undefined, unknown);
    return otherRequest(runner, method, handler, unknown);
  };

  class PipelineHandlers extends Map<string, RawRequestHandler> {
    override set(method: string, handler: RawRequestHandler): this {
      return super.set(method, wrap(method, handler));
    }
  }
  const replacement = new PipelineHandlers();
  for (const [method, handler] of handlers) replacement.set(method, handler);
  replaceRequestHandlers(protocol, replacement);
  // v2 answers a method it has no handler for itself, at dispatch (HTTP 404 on 2026-07-28); any fallback
  // handler, ours included, would make that an in-band answer on HTTP 200. So v2 keeps its own answer.
  if (!v2 || (protocol as FallbackHolder).fallbackRequestHandler !== undefined) {
    guardUnknownMethods(protocol, runner, unknown);
  }

  if (registry !== undefined && v2) {
    adoptV2Tools(server as never, registry as unknown as Record<string, V2ToolRecord>, infos);
  } else if (registry !== undefined && isMcpServer(server)) adoptTools(server, registry, infos);
  Object.defineProperty(target, APPLIED, { value: true });
  return server;
}
