/**
 * The pipeline for the 2026-07-28 requests SDK v2's `createMcpHandler` answers itself, before any request
 * handler runs: `server/discover` (the handshake) and `subscriptions/listen` (the stream). Each passes the
 * gateway's pipeline as a request of its own, and every resource URI a listen names passes the steps of
 * `resources/subscribe` for that URI, as on the 2025 path: one refused URI refuses the whole listen with
 * the error `resources/read` of that URI gives the same caller (a hidden one answers as an unknown one). A
 * listen naming more URIs than the gateway ever hears for one stream is refused before the pipeline runs.
 */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { AuthInfo, ServerContext } from '@modelcontextprotocol/server';
import type { Result, ToolExtra, ToolRunner } from '@mcp-middleware/core';
import { modernExtra } from './modern-extra.js';
import { listenedResources, MAX_LISTENED_URIS } from './modern-http.js';

/** The methods the SDK answers without calling a handler of the gateway's server. */
const SELF_ANSWERED = new Set(['server/discover', 'subscriptions/listen']);

interface Message {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
}

const NOTHING = (): Promise<Result> => Promise.resolve({});

// What the bare server (and the gateway's resources/read) says of a resource it does not know.
const unknownResource = (_operation: string, uri: string | undefined): McpError =>
  new McpError(ErrorCode.InvalidParams, `Resource ${uri ?? ''} not found`);

function paramsOf(message: Message): Record<string, unknown> | undefined {
  const { params } = message;
  return typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : undefined;
}

/** The `extra` the pipeline sees for a request the SDK answers itself: as a handler's, from the HTTP request. */
function extraOf(message: Message, request: Request, authInfo: AuthInfo | undefined): ToolExtra {
  const meta = paramsOf(message)?.['_meta'];
  const context = {
    mcpReq: {
      id: message.id as string | number,
      method: message.method as string,
      _meta: typeof meta === 'object' && meta !== null ? meta : undefined,
      signal: request.signal,
      // Nothing reaches the client before the SDK answers; server-to-client requests are refused by modernExtra.
      notify: () => Promise.resolve(),
    },
    http: { authInfo, req: request },
  };
  return modernExtra(context as unknown as ServerContext);
}

/** Runs each URI through the steps of resources/subscribe, one after another; the first refusal ends it. */
async function checkResources(
  runner: ToolRunner,
  uris: readonly string[],
  extra: ToolExtra,
): Promise<Result> {
  for (const uri of new Set(uris)) {
    await runner.request('resources/subscribe', { uri }, uri, extra, NOTHING, unknownResource);
  }
  return {};
}

/** The refusal of a listen naming more URIs than one stream is ever heard for (so no URI goes unheard). */
function tooManyUris(named: number): { code: number; message: string; data: Record<string, unknown> } {
  const message =
    `params.notifications.resourceSubscriptions names ${named} URIs; a listen may name at most ` +
    `${MAX_LISTENED_URIS}, the most the gateway listens for upstream; name fewer`;
  return { code: ErrorCode.InvalidParams, message, data: { limit: MAX_LISTENED_URIS } };
}

/** A JSON-RPC error answer, in band (HTTP 200), as the SDK writes a handler's thrown error. */
export function errorResponse(id: unknown, error: unknown): Response {
  const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
  return Response.json({
    jsonrpc: '2.0',
    id: id ?? null,
    error: {
      code: Number.isSafeInteger(code) ? code : ErrorCode.InternalError,
      message: typeof message === 'string' ? message : 'Internal error',
      ...(data !== undefined && { data }),
    },
  });
}

/**
 * Runs `body` through the pipeline when the SDK would answer it without the gateway's handlers: the refusal
 * to send instead of the SDK's answer, or undefined when it may go on. Undefined at once (no await on the
 * hot path) for every other request.
 */
export function admitSelfAnswered(
  runner: ToolRunner,
  body: unknown,
  request: Request,
  authInfo: AuthInfo | undefined,
): Promise<Response | undefined> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const message = body as Message;
  const method = message.method;
  if (typeof method !== 'string' || !SELF_ANSWERED.has(method) || message.id === undefined) return undefined;
  const extra = extraOf(message, request, authInfo);
  const uris = listenedResources(body);
  if (uris.length > MAX_LISTENED_URIS)
    return Promise.resolve(errorResponse(message.id, tooManyUris(uris.length)));
  return runner
    .request(method, paramsOf(message), undefined, extra, () =>
      uris.length === 0 ? NOTHING() : checkResources(runner, uris, extra),
    )
    .then(
      () => undefined,
      (error: unknown) => errorResponse(message.id, error),
    );
}
