/**
 * The SDK 1.x adapter: every request a server answers runs through the pipeline (tool calls before the
 * SDK parses their arguments, lists, resources, prompts, completion), and one-off tool callbacks.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { extraFor } from './context.js';
import type { CallToolResult, Operation, RequestContext, ToolContext, ToolInfo } from './contract.js';
import { asProtocolError } from './not-found.js';
import { paramsOf, requestTarget } from './request-target.js';
import {
  argumentsOf,
  createToolRunner,
  type Pipeline,
  type RunnerOptions,
  type ToolRunner,
} from './runner.js';
import {
  isMcpServer,
  protocolOf,
  replaceRequestHandlers,
  requestHandlersOf,
  toolRegistryOf,
  type RawRequestHandler,
  type ToolRecord,
} from './sdk-v1.js';

import { adoptTools, rethrowThrown, type AnyCallback } from './tool-callbacks.js';

const APPLIED = Symbol.for('io.github.mcp-middleware/applied');
// The handshake stays outside the pipeline: credentials for it are the HTTP front door's job.
const OUTSIDE = new Set(['initialize', 'ping']);

function toolInfo(name: string, tool: ToolRecord): ToolInfo {
  return Object.freeze({
    name,
    title: tool.title,
    description: tool.description,
    annotations: tool.annotations,
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    _meta: tool._meta,
  });
}

/**
 * Wraps one SDK tool callback. With an input schema the SDK calls `(args, extra)`, without one `(extra)`;
 * `tool.inputSchema` decides which shape the wrapper accepts and calls.
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
    const run = runner.bind(tool, (ctx) => invoke(extraFor(ctx)));
    return ((extra: Parameters<typeof run>[1]) => run(undefined, extra)) as unknown as C;
  }
  const run = runner.bind(tool, (ctx) => invoke(ctx.args, extraFor(ctx)));
  return run as unknown as C;
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
    const extra = extraFor(ctx);
    let pending: Promise<unknown>;
    try {
      pending = handler(request, extra);
    } catch (error) {
      return Promise.reject(asProtocolError(error));
    }
    // An McpServer's handler catches whatever the tool throws; what still rejects is the SDK's own.
    return pending.then((result) => rethrowThrown(extra, result), onReject);
  };
  return (request, extra) => {
    const params = paramsOf(request);
    const name = params?.name;
    return runner.call(infoOf(typeof name === 'string' ? name : ''), params, extra, terminal);
  };
}

function otherRequest(runner: ToolRunner, method: Operation, handler: RawRequestHandler): RawRequestHandler {
  if (!runner.handles(method)) return handler;
  const terminal = (ctx: RequestContext): Promise<never> =>
    handler(
      { method, ...(ctx.params !== undefined && { params: ctx.params }) },
      extraFor(ctx),
    ) as Promise<never>;
  return (request, extra) => {
    const params = paramsOf(request);
    return runner.request(method, params, requestTarget(method, params), extra, terminal);
  };
}

interface FallbackHolder {
  fallbackRequestHandler?: RawRequestHandler | undefined;
}

// A method the server has no handler for passes the pipeline too (auth refuses it, metrics count it), then
// gets exactly the bare server's answer: -32601 "Method not found". A fallback of the user's is wrapped.
function guardUnknownMethods(protocol: FallbackHolder, runner: ToolRunner): void {
  const own = protocol.fallbackRequestHandler;
  const terminal =
    own ??
    ((): Promise<never> =>
      Promise.reject(asProtocolError(Object.assign(new Error('Method not found'), { code: -32601 }))));
  protocol.fallbackRequestHandler = (request, extra) => {
    const params = paramsOf(request);
    if (!runner.handles(request.method)) return terminal(request, extra);
    return runner.request(
      request.method,
      params,
      requestTarget(request.method, params),
      extra,
      (ctx) =>
        terminal(
          { method: request.method, ...(ctx.params !== undefined && { params: ctx.params }) },
          extraFor(ctx),
        ) as Promise<never>,
    );
  };
}

function isRunner(pipeline: Pipeline | ToolRunner): pipeline is ToolRunner {
  return typeof pipeline === 'object' && 'call' in pipeline && 'request' in pipeline;
}

/**
 * Runs every request `server` answers through `pipeline`: tool calls (before the SDK parses their
 * arguments, and for unknown tools), lists, `resources/read`, `prompts/get`, `completion/complete` and
 * any other method, on an `McpServer` or a low-level `Server` of SDK 1.x. Handlers registered later are
 * covered too. Pass a runner from `createToolRunner` to share one composed pipeline across servers built
 * per request. Applying it twice to one server throws: compose one pipeline instead.
 */
export function withMiddleware<S extends McpServer | Server>(
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
  if (handlers === undefined || (protocol !== server && registry === undefined)) {
    throw new Error(
      'withMiddleware: this server does not keep its request handlers where @modelcontextprotocol/sdk 1.x ' +
        'does, so requests could bypass the pipeline; nothing was changed. Use wrapTool() on each callback, ' +
        'or the SDK line this package supports',
    );
  }
  const runner = isRunner(pipeline) ? pipeline : createToolRunner(pipeline, options);

  const infos = new WeakMap<ToolRecord, ToolInfo>();
  const infoOf = (name: string): ToolInfo => {
    const record = registry !== undefined && Object.hasOwn(registry, name) ? registry[name] : undefined;
    // A disabled tool answers like an unknown one; its schema must not show through validation texts.
    if (record === undefined || !record.enabled) return { name };
    let info = infos.get(record);
    if (info === undefined) infos.set(record, (info = toolInfo(name, record)));
    return info;
  };
  const wrap = (method: string, handler: RawRequestHandler): RawRequestHandler => {
    if (OUTSIDE.has(method)) return handler;
    if (method === 'tools/call') return toolsCall(runner, handler, infoOf, registry !== undefined);
    return otherRequest(runner, method, handler);
  };

  class PipelineHandlers extends Map<string, RawRequestHandler> {
    override set(method: string, handler: RawRequestHandler): this {
      return super.set(method, wrap(method, handler));
    }
  }
  const replacement = new PipelineHandlers();
  for (const [method, handler] of handlers) replacement.set(method, handler);
  replaceRequestHandlers(protocol, replacement);
  guardUnknownMethods(protocol, runner);

  if (registry !== undefined && isMcpServer(server)) adoptTools(server, registry, infos);
  Object.defineProperty(target, APPLIED, { value: true });
  return server;
}
