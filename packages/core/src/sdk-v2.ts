/**
 * The one fence around @modelcontextprotocol/server 2.x: how its per-request context looks, where a server
 * keeps its request handlers and tools, and how a tool record runs its callback. Nothing here imports the
 * v2 package, so the root entry works without it installed. `sdk-v2.test.ts` fails loudly if an SDK
 * upgrade moves any of it.
 */
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { EAGER_SIGNALS, extraFor, keepsRequestSignal } from './context.js';
import type { RequestContext, ToolExtra } from './contract.js';

/** The fields of v2's `ServerContext` this package reads; the handler always gets the SDK's own object. */
export interface V2Context {
  readonly sessionId?: string | undefined;
  readonly mcpReq: {
    readonly id: string | number;
    readonly method: string;
    readonly _meta?: Record<string, unknown> | undefined;
    /** The 2026-07-28 envelope keys (`io.modelcontextprotocol/*`), lifted out of `_meta` by the SDK. */
    readonly envelope?: Record<string, unknown> | undefined;
    readonly signal: AbortSignal;
    readonly notify: (notification: { method: string; params?: Record<string, unknown> }) => Promise<void>;
    readonly send: (...args: never[]) => Promise<unknown>;
  };
  readonly http?:
    { readonly authInfo?: AuthInfo | undefined; readonly req?: Request | undefined } | undefined;
}

/** True for a v2 per-request context (it carries `mcpReq`), false for a v1 `extra`. */
export function isV2Context(value: unknown): value is V2Context {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { mcpReq?: unknown }).mcpReq === 'object' &&
    (value as { mcpReq: unknown }).mcpReq !== null
  );
}

function headersOf(req: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  req.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/**
 * A v2 context seen as the v1 `extra` every middleware reads (`signal`, `requestId`, `_meta`, `authInfo`,
 * `requestInfo`, `sendNotification`, `sendRequest`). One small object per request; the rest is read
 * through on demand.
 */
export class V2Extra {
  readonly sdkContext: V2Context;
  #meta: ToolExtra['_meta'] | null = null;
  #requestInfo: ToolExtra['requestInfo'] | null = null;

  constructor(sdkContext: V2Context) {
    this.sdkContext = sdkContext;
  }
  get signal(): AbortSignal {
    return this.sdkContext.mcpReq.signal;
  }
  get requestId(): string | number {
    return this.sdkContext.mcpReq.id;
  }
  get sessionId(): string | undefined {
    return this.sdkContext.sessionId;
  }
  get authInfo(): AuthInfo | undefined {
    return this.sdkContext.http?.authInfo;
  }
  /** The request's `_meta` as the client sent it: the 2026 envelope keys are put back beside the rest. */
  get _meta(): ToolExtra['_meta'] {
    if (this.#meta !== null) return this.#meta;
    const { _meta, envelope } = this.sdkContext.mcpReq;
    return (this.#meta = (envelope === undefined ? _meta : { ..._meta, ...envelope }) as ToolExtra['_meta']);
  }
  /** The HTTP request's headers (lower-case names) and URL; undefined off HTTP. */
  get requestInfo(): ToolExtra['requestInfo'] {
    if (this.#requestInfo !== null) return this.#requestInfo;
    const req = this.sdkContext.http?.req;
    return (this.#requestInfo =
      req === undefined ? undefined : { headers: headersOf(req), url: new URL(req.url) });
  }
  sendNotification(notification: Parameters<ToolExtra['sendNotification']>[0]): Promise<void> {
    return this.sdkContext.mcpReq.notify(notification as { method: string });
  }
  /** `mcpReq.send`, which takes v1's `(request, resultSchema, options)` (zod schemas are Standard Schemas). */
  declare readonly sendRequest: ToolExtra['sendRequest'];
}

Object.defineProperty(V2Extra.prototype, 'sendRequest', {
  value: function sendRequest(this: V2Extra, ...args: unknown[]): Promise<unknown> {
    return (this.sdkContext.mcpReq.send as (...a: unknown[]) => Promise<unknown>)(...args);
  },
});

/** The `extra` middlewares see for a v2 request. */
export function extraOfV2(sdkContext: V2Context): ToolExtra {
  return new V2Extra(sdkContext) as unknown as ToolExtra;
}

/**
 * The v2 context to hand the server's own handler: the SDK's object, with only the signal replaced;
 * undefined when the request did not come from v2.
 */
export function v2ContextFor(ctx: RequestContext): V2Context | undefined {
  const extra: unknown = ctx.extra;
  if (!(extra instanceof V2Extra)) return undefined;
  const own = extra.sdkContext;
  if (keepsRequestSignal(ctx)) return own;
  // As for v1's extra: a lazy signal stays lazy where an AbortController is dear (Node 20), and is made at
  // once where that is cheaper than a getter.
  if (EAGER_SIGNALS) return { ...own, mcpReq: { ...own.mcpReq, signal: ctx.signal } };
  return {
    ...own,
    mcpReq: {
      ...own.mcpReq,
      get signal(): AbortSignal {
        return ctx.signal;
      },
    },
  };
}

/** A tool record of a v2 McpServer, as 2.4 keeps it: v2 calls `executor`, rebuilt by `update`. */
export interface V2ToolRecord {
  enabled: boolean;
  handler: unknown;
  executor: (args: unknown, ctx: V2Context) => Promise<unknown>;
  update: (updates: Record<string, unknown>) => void;
  title?: string | undefined;
  description?: string | undefined;
  annotations?: unknown;
  inputSchema?: unknown;
  outputSchema?: unknown;
  _meta?: Record<string, unknown> | undefined;
}

/** True when `protocol` is a v2 Protocol: a handler map, and the v2-only `buildContext` hook. */
export function isV2Protocol(protocol: object): boolean {
  return (
    (protocol as { _requestHandlers?: unknown })._requestHandlers instanceof Map &&
    typeof (protocol as { buildContext?: unknown }).buildContext === 'function'
  );
}

/** True when every tool of a v2 registry has the fields this adapter wraps (checked before changing any). */
export function isV2ToolRegistry(
  registry: Record<string, unknown>,
): registry is Record<string, V2ToolRecord> {
  return Object.values(registry).every(
    (tool) =>
      typeof tool === 'object' &&
      tool !== null &&
      typeof (tool as V2ToolRecord).executor === 'function' &&
      typeof (tool as V2ToolRecord).update === 'function',
  );
}

/** An error exactly as v2's McpServer raises it for a name it does not know (-32602). */
export function v2NotFound(operation: string, target: string | undefined): Error {
  const what = target ?? '';
  if (operation === 'resources/read') {
    return Object.assign(new Error(`Resource not found: ${what}`), { code: -32602, data: { uri: what } });
  }
  const kind = operation === 'prompts/get' ? 'Prompt' : operation === 'tools/call' ? 'Tool' : undefined;
  return Object.assign(
    new Error(
      kind === undefined ? `${operation}: ${target ?? 'request'} not found` : `${kind} ${what} not found`,
    ),
    { code: -32602 },
  );
}

/** What the SDK's own handler gets for `ctx`: v2's context or v1's `extra`, with only the signal replaced. */
export function handlerArgOf(ctx: RequestContext): unknown {
  return v2ContextFor(ctx) ?? extraFor(ctx);
}

/** The `extra` middlewares see, from what either SDK line passed a handler. */
export function extraOfSdk(sdkArg: unknown): ToolExtra {
  return isV2Context(sdkArg) ? extraOfV2(sdkArg) : (sdkArg as ToolExtra);
}
