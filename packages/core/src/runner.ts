/** Runs a pipeline for one tool call: the entry point behind withMiddleware, wrapTool and the gateway. */
import { systemClock, type Clock } from './clock.js';
import { childrenOf, compose } from './compose.js';
import { createContext, createRequestContext } from './context.js';
import type {
  CallToolResult,
  Middleware,
  Next,
  Operation,
  RequestContext,
  Result,
  ToolArgs,
  ToolContext,
  ToolExtra,
  ToolInfo,
} from './contract.js';
import { MiddlewareError } from './errors.js';
import { EventChannel } from './events.js';
import { asProtocolError, isNotFound, isProtocolError, notFoundToolResult } from './not-found.js';
import { toRequestError } from './request-error.js';
import { requestChain } from './requests.js';
import { jsonProblemOf } from './json-safe.js';
import { describeValue, isToolResult, toToolResult } from './result.js';

/** The innermost step of a pipeline: calls the tool itself. */
export type ToolHandler = (ctx: ToolContext) => CallToolResult | Promise<CallToolResult>;

const MAX_CACHED_METHODS = 256;

/** The innermost step of a request other than tools/call: the server's own handler. */
export type RequestHandler = (ctx: RequestContext) => Promise<Result>;

/**
 * The error an SDK line answers a name it does not know with; hidden targets answer with it. By default
 * SDK 1.32's answers (an `isError` result for a tool, -32602 for the rest).
 */
export type UnknownTarget = (operation: Operation, target: string | undefined) => unknown;

/** A pipeline given as one middleware or a list (outermost first). */
export type Pipeline = Middleware | readonly Middleware[];

/** Options of {@link createToolRunner}, `withMiddleware` and `wrapTool`. */
export interface RunnerOptions {
  /** @default systemClock */
  readonly clock?: Clock;
  /** The channel middlewares publish on; pass your own to subscribe. @default a new channel */
  readonly events?: EventChannel;
  /** Per-layer checks (see `compose`). @default true when NODE_ENV is "development" or "test" */
  readonly debug?: boolean;
}

/** A pipeline ready to run tool calls. */
export interface ToolRunner {
  readonly events: EventChannel;
  /** Runs one raw `tools/call`: never rejects; failures come back as `isError` results. */
  run(tool: ToolInfo, args: ToolArgs, extra: ToolExtra, handler: ToolHandler): Promise<CallToolResult>;
  /** Pre-binds a tool and its handler; the returned function is the per-call fast path. */
  bind(tool: ToolInfo, handler: ToolHandler): (args: ToolArgs, extra: ToolExtra) => Promise<CallToolResult>;
  /**
   * Runs one raw `tools/call` whose params the SDK has not parsed yet: `terminal` is the server's own
   * handler. Never rejects, except with a protocol error (malformed request) that must reach the client
   * as a JSON-RPC error.
   */
  call(
    tool: ToolInfo,
    params: Readonly<Record<string, unknown>> | undefined,
    extra: ToolExtra,
    terminal: Next,
    unknown?: UnknownTarget,
  ): Promise<CallToolResult>;
  /** True when some middleware has a step for `operation` (other than tools/call). */
  handles(operation: Operation): boolean;
  /**
   * Runs one request other than tools/call through the steps for its method. Rejects with the JSON-RPC
   * error the client should see.
   */
  request(
    operation: Operation,
    params: Readonly<Record<string, unknown>> | undefined,
    target: string | undefined,
    extra: ToolExtra,
    handler: RequestHandler,
    unknown?: UnknownTarget,
  ): Promise<Result>;
}

// Which channels each middleware is attached to, so no runner (or config dispatcher) attaches it twice.
const attachedTo = new WeakMap<Middleware, WeakSet<EventChannel>>();

/**
 * Calls `middleware.attach(channel)` unless that middleware is attached to that channel already: the
 * guarantee of the contract ("once per pipeline"), kept here so no middleware guards its own `attach`.
 * Runners call it; so does anything that attaches a middleware it builds later (config's per-tool
 * instances). Answers whether it attached.
 */
export function attachOnce(middleware: Middleware, channel: EventChannel): boolean {
  const attach = middleware.attach;
  if (attach === undefined) return false;
  let channels = attachedTo.get(middleware);
  if (channels === undefined) {
    channels = new WeakSet();
    attachedTo.set(middleware, channels);
  } else if (channels.has(channel)) return false;
  channels.add(channel);
  attach.call(middleware, channel);
  return true;
}

function attachAll(middleware: Middleware, channel: EventChannel, seen: Set<Middleware>): void {
  if (seen.has(middleware)) return;
  seen.add(middleware);
  attachOnce(middleware, channel);
  for (const child of childrenOf(middleware)) attachAll(child, channel, seen);
}

function fail(this: ToolInfo | void, error: unknown): CallToolResult {
  if (isProtocolError(error)) throw error;
  if (isNotFound(error)) return notFoundToolResult(this?.name ?? '');
  return toToolResult(error);
}

function failOr(tool: ToolInfo, error: unknown, unknown: UnknownTarget | undefined): CallToolResult {
  if (unknown !== undefined && isNotFound(error)) throw asProtocolError(unknown('tools/call', tool.name));
  return fail.call(tool, error);
}

/** `params.arguments` as a middleware sees it: an object, else undefined (the SDK refuses other values). */
export function argumentsOf(params: Readonly<Record<string, unknown>> | undefined): ToolArgs {
  const args = params?.arguments;
  return typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as ToolArgs) : undefined;
}

// A tool result that is a result but cannot be sent (a BigInt, a cycle) is answered as INTERNAL, since the
// transport would throw while writing it and the client would wait forever.
function checked(tool: ToolInfo, result: unknown): CallToolResult {
  if (!isToolResult(result)) return notAResult(tool, result);
  const problem = jsonProblemOf(result);
  if (problem === undefined) return result;
  return toToolResult(
    new MiddlewareError(
      'INTERNAL',
      `tool \`${tool.name}\` returned a result that cannot be sent as JSON (${problem})`,
    ),
  );
}

function notAResult(tool: ToolInfo, result: unknown): CallToolResult {
  return toToolResult(
    new MiddlewareError(
      'INTERNAL',
      `tool \`${tool.name}\` (or a middleware around it) returned ${describeValue(result)} instead of a tool result`,
    ),
  );
}

type Composed = ReturnType<typeof compose>;
type BoundTool = (args: ToolArgs, extra: ToolExtra) => Promise<CallToolResult>;

// One tool's call path, built once per tool: the terminal around its handler, the result check and the
// failure answer are made here, so a call makes only its context.
function bindTool(
  composed: Composed,
  clock: Clock,
  events: EventChannel,
  tool: ToolInfo,
  handler: ToolHandler,
): BoundTool {
  // compose always passes the context on to the terminal; the parameter is optional only to match Next.
  const terminal = (ctx?: ToolContext): Promise<CallToolResult> => {
    try {
      return Promise.resolve(handler(ctx as ToolContext));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const check = (result: unknown): CallToolResult => checked(tool, result);
  const failed = fail.bind(tool);
  return function runToolCall(args: ToolArgs, extra: ToolExtra): Promise<CallToolResult> {
    const ctx = createContext(tool, args, extra, clock, events);
    let pending: Promise<CallToolResult>;
    try {
      pending = composed(ctx, terminal);
    } catch (error) {
      return Promise.resolve(failed(error));
    }
    return pending.then(check, failed);
  };
}

// Chains per method, composed the first time a method is seen. Unknown methods are chosen by callers, so
// the cache is bounded; past it a chain is composed per request (a loop over the middlewares).
function chainCache(composed: Composed): (operation: Operation) => ReturnType<typeof requestChain> {
  const chains = new Map<Operation, ReturnType<typeof requestChain>>();
  return (operation) => {
    let found = chains.get(operation);
    if (found === undefined && !chains.has(operation)) {
      found = requestChain(composed, operation);
      if (chains.size < MAX_CACHED_METHODS) chains.set(operation, found);
    }
    return found;
  };
}

/** Composes `pipeline` once, attaches its middlewares to an event channel, and returns the runner. */
export function createToolRunner(pipeline: Pipeline, options: RunnerOptions = {}): ToolRunner {
  const composeOptions = options.debug === undefined ? {} : { debug: options.debug };
  const composed = compose(typeof pipeline === 'function' ? [pipeline] : pipeline, composeOptions);
  const clock = options.clock ?? systemClock;
  const events = options.events ?? new EventChannel();
  attachAll(composed, events, new Set());

  const bind = (tool: ToolInfo, handler: ToolHandler): BoundTool =>
    bindTool(composed, clock, events, tool, handler);

  function call(
    tool: ToolInfo,
    params: Readonly<Record<string, unknown>> | undefined,
    extra: ToolExtra,
    terminal: Next,
    unknown?: UnknownTarget,
  ): Promise<CallToolResult> {
    const ctx = createContext(tool, argumentsOf(params), extra, clock, events, params);
    let pending: Promise<CallToolResult>;
    try {
      pending = composed(ctx, terminal);
    } catch (error) {
      try {
        return Promise.resolve(failOr(tool, error, unknown));
      } catch (protocolError) {
        return Promise.reject(protocolError);
      }
    }
    return pending.then(
      (result: unknown) => checked(tool, result),
      (error: unknown) => failOr(tool, error, unknown),
    );
  }

  const chainOf = chainCache(composed);

  function request(
    operation: Operation,
    params: Readonly<Record<string, unknown>> | undefined,
    target: string | undefined,
    extra: ToolExtra,
    handler: RequestHandler,
    unknown?: UnknownTarget,
  ): Promise<Result> {
    const chain = chainOf(operation);
    const ctx = createRequestContext(operation, params, target, extra, clock, events);
    if (chain === undefined) return handler(ctx);
    let pending: Promise<Result>;
    try {
      pending = chain(ctx, handler);
    } catch (error) {
      return Promise.reject(toRequestError(error, ctx, unknown));
    }
    return pending.catch((error: unknown) => Promise.reject(toRequestError(error, ctx, unknown)));
  }

  return {
    events,
    bind,
    call,
    handles: (operation) => chainOf(operation) !== undefined,
    request,
    run: (tool, args, extra, handler) => bind(tool, handler)(args, extra),
  };
}
