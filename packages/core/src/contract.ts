/** The middleware contract every @mcp-middleware package implements: context in, tool result out. */
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import type { Clock } from './clock.js';
import type { EventChannel, MiddlewareEvent } from './events.js';

export type { AuthInfo, CallToolResult, ToolAnnotations };

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

/** Everything a middleware sees about one tool call. Fields never change; `with` derives a new context. */
export interface ToolContext {
  readonly tool: ToolInfo;
  readonly args: ToolArgs;
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
  /** A new context for this call with other args or another signal. */
  with(changes: ContextChanges): ToolContext;
  /** Publishes an event on the pipeline's channel (metrics, tracing and logging listen). */
  emit(event: MiddlewareEvent): void;
}

/** What `ctx.with()` may change. */
export interface ContextChanges {
  readonly args?: ToolArgs;
  /**
   * A new signal, or a function that makes one the first time anyone reads `ctx.signal` (or, on Node 20,
   * the handler reads `extra.signal`; from Node 24, where an AbortController costs 31 ns, the SDK adapter
   * makes it when it calls the handler, which is cheaper than a lazy getter). Lazy signals spare handlers
   * that never look at their signal the cost of an AbortController, which is 6 µs on Node 20. The
   * function runs at most once per call.
   */
  readonly signal?: AbortSignal | (() => AbortSignal);
}

/** Calls the rest of the pipeline; may be called more than once (retry). */
export type Next = (ctx?: ToolContext) => Promise<CallToolResult>;

/** One middleware: do something around `next`, or answer without it. */
export interface Middleware {
  (ctx: ToolContext, next: Next): Promise<CallToolResult>;
  /** Called once per pipeline that uses this middleware, to publish or subscribe to events. */
  attach?: ((channel: EventChannel) => void) | undefined;
}
