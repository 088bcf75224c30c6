/** The middleware contract every @mcp-middleware package implements: context in, tool result out. */
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type {
  CallToolResult,
  CompleteResult,
  GetPromptResult,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ListToolsResult,
  ReadResourceResult,
  Result,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import type { Clock } from './clock.js';
import type { EventChannel, MiddlewareEvent } from './events.js';

export type { AuthInfo, CallToolResult, Result, ToolAnnotations };

/** The SDK's own per-request object, as a tool callback receives it. */
export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Tool arguments after the SDK parsed them (`undefined` for a tool without an input schema). */
export type ToolArgs = Record<string, unknown> | undefined;

/** What a middleware knows about the tool it runs for; stable for the tool's lifetime. */
export interface ToolInfo {
  readonly name: string;
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  readonly annotations?: ToolAnnotations | undefined;
  /** A zod schema for SDK tools, a JSON Schema for tools mirrored by the gateway. */
  readonly inputSchema?: unknown;
  readonly outputSchema?: unknown;
  readonly _meta?: Record<string, unknown> | undefined;
}

/** A typed slot of per-call state, created once with {@link createKey}. */
export interface Key<T> {
  readonly name: string;
  /** Type marker only; never set. */
  readonly __type?: T;
}

/** Creates a typed key for per-call state (`ctx.set(key, value)`, `ctx.get(key)`). */
export function createKey<T>(name: string): Key<T> {
  return Object.freeze({ name });
}

/** The result each MCP request answers with, by method; any other method answers a plain `Result`. */
export interface OperationResults {
  'tools/call': CallToolResult;
  'tools/list': ListToolsResult;
  'resources/list': ListResourcesResult;
  'resources/templates/list': ListResourceTemplatesResult;
  'resources/read': ReadResourceResult;
  'prompts/list': ListPromptsResult;
  'prompts/get': GetPromptResult;
  'completion/complete': CompleteResult;
}

/** An MCP request method the pipeline sees: one of {@link OperationResults}, or any other the server answers. */
export type Operation = keyof OperationResults | (string & {});

/** Everything a middleware sees about one request. Fields never change; `with` derives a new context. */
export interface RequestContext {
  /** The JSON-RPC method: `tools/call`, `tools/list`, `resources/read`, … */
  readonly operation: Operation;
  /** What the request names: the tool or prompt name, the resource URI; undefined for lists. */
  readonly target: string | undefined;
  /** The request's params as the client sent them, before the SDK parsed them. Treat as hostile. */
  readonly params: Readonly<Record<string, unknown>> | undefined;
  /** Aborts when the client cancels, the connection closes, or a deadline set above passes. */
  readonly signal: AbortSignal;
  readonly requestId: string | number;
  readonly sessionId: string | undefined;
  readonly authInfo: AuthInfo | undefined;
  /** The request's `params._meta` (progressToken, traceparent, …). */
  readonly meta: ToolExtra['_meta'];
  /** HTTP request headers and URL; undefined on stdio and in memory. */
  readonly requestInfo: ToolExtra['requestInfo'];
  readonly clock: Clock;
  /** The SDK's object; the handler receives it with only `signal` replaced. */
  readonly extra: ToolExtra;
  /** Reads per-call state; shared by every context derived from this call. */
  get<T>(key: Key<T>): T | undefined;
  /** Writes per-call state, visible to middlewares above and below for the rest of this call. */
  set<T>(key: Key<T>, value: T): void;
  /** A new context for this request with another signal. */
  with(changes: ContextChanges): RequestContext;
  /** Publishes an event on the pipeline's channel (metrics, tracing and logging listen). */
  emit(event: MiddlewareEvent): void;
}

/** Everything a middleware sees about one tool call (`operation` is `tools/call`). */
export interface ToolContext extends RequestContext {
  /** The tool; for a name the server does not know, only `name` is set. */
  readonly tool: ToolInfo;
  /** `params.arguments` as the client sent them (not yet parsed by the SDK). */
  readonly args: ToolArgs;
  /** A new context for this call with other args or another signal. */
  with(changes: ContextChanges): ToolContext;
}

/** What `ctx.with()` may change. */
export interface ContextChanges {
  readonly args?: ToolArgs;
  /**
   * A new signal, or a function that makes one the first time anyone reads `ctx.signal` (or, on Node 20,
   * the handler reads `extra.signal`; from Node 24, where an AbortController is cheap, the SDK adapter
   * makes it when it calls the handler, which is cheaper than a lazy getter). Lazy signals spare handlers
   * that never look at their signal the cost of an AbortController, which on Node 20 is dearer than a
   * whole layer (bench/FINDINGS.md has the figures). The function runs at most once per call.
   */
  readonly signal?: AbortSignal | (() => AbortSignal);
}

/**
 * Calls the rest of the pipeline; may be called more than once (retry). It never throws synchronously:
 * whatever a middleware, step or handler below throws (synchronously or not) arrives as a rejection of
 * the promise it returns, so `next().then(…)` needs no try/catch around it. compose and the runner keep
 * this promise for every chain they build (core's `next-never-throws` test).
 */
export type Next = (ctx?: ToolContext) => Promise<CallToolResult>;

/** A middleware's step for one kind of request other than `tools/call`; its `next` never throws synchronously either. */
export type RequestHook<R extends Result = Result> = (
  ctx: RequestContext,
  next: (ctx?: RequestContext) => Promise<R>,
) => Promise<R>;

/** Steps per request method; `'*'` runs for every method other than `tools/call` without a step of its own. */
export type RequestHooks = { readonly [M in keyof OperationResults]?: RequestHook<OperationResults[M]> } & {
  readonly '*'?: RequestHook;
};

/**
 * One middleware: do something around `next`, or answer without it. The function itself is the step for
 * `tools/call`; `requests` adds steps for the other requests. Without `requests` a middleware sees tool
 * calls only, so every middleware written for tools keeps its meaning.
 */
export interface Middleware {
  (ctx: ToolContext, next: Next): Promise<CallToolResult>;
  /** Steps for requests other than `tools/call` (lists, resources, prompts, completion…). */
  requests?: RequestHooks | undefined;
  /**
   * Called once per event channel this middleware is attached to (each pipeline has one), to publish or
   * subscribe to events. The runner guarantees the once: two runners sharing a channel, or a middleware
   * used twice in one pipeline, still attach it once (see `attachOnce`), so `attach` needs no guard.
   */
  attach?: ((channel: EventChannel) => void) | undefined;
}
