/**
 * A 2025-11-25 session's requests answered past the SDK's HTTP transport: the hot path of the HTTP listener.
 * For each POST the SDK's node transport builds a request listener, turns the Node request into a web
 * Request and its answer into a ReadableStream read back into the Node response; measured under 1000
 * clients, that costs the gateway a third of its throughput (bench/FINDINGS.md). Here a POST that is one
 * valid request, with the headers the SDK would accept, goes straight to the session transport's
 * `onmessage` (the tools/call lane, the guard, the Server), and what the session sends for it is written to
 * the Node response as the SDK writes it: the same SSE events, the same headers. Anything else (a batch, a
 * response, a notification, a header the SDK would refuse) takes the SDK's path, so its answers stay the
 * SDK's own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { surelyValid } from './message-shapes.js';
import { isPlainObject } from './plain.js';

/** The SDK's interval between SSE keep-alive comments on a request's stream. */
export const KEEP_ALIVE_MS = 15_000;

/** True when the SDK's transport would take this POST's headers as they are. */
function acceptedHeaders(req: IncomingMessage): boolean {
  const { accept, 'content-type': type, 'mcp-protocol-version': version } = req.headers;
  if (accept === undefined || !accept.includes('application/json') || !accept.includes('text/event-stream'))
    return false;
  // Only the exact type SDK clients send: a parameter (charset…) is the SDK's to judge.
  if (type !== 'application/json') return false;
  return version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version as string);
}

const isResponse = (message: JSONRPCMessage): boolean => 'result' in message || 'error' in message;

/** One session transport's requests in the lane, and how their messages reach the Node responses. */
export class HttpLane {
  readonly #transport: StreamableHTTPServerTransport;
  readonly #pending = new Map<RequestId, ServerResponse>();
  /** The SSE headers the SDK answers a request with, lower-cased as it writes them. */
  readonly #headers: Readonly<Record<string, string>>;
  readonly #keepAliveMs: number;
  #keepAlive: NodeJS.Timeout | undefined;

  /** Puts the lane on `transport`, which its session's Server is connected to (with an id). */
  constructor(transport: StreamableHTTPServerTransport, keepAliveMs = KEEP_ALIVE_MS) {
    this.#transport = transport;
    this.#keepAliveMs = keepAliveMs;
    this.#headers = {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...(transport.sessionId !== undefined && { 'mcp-session-id': transport.sessionId }),
    };
    const sdkSend = transport.send.bind(transport);
    transport.send = (message, options) => {
      const id = isResponse(message) ? (message as { id: RequestId }).id : options?.relatedRequestId;
      const res = id === undefined ? undefined : this.#pending.get(id);
      if (res === undefined) return sdkSend(message, options);
      this.#write(res, message, id as RequestId);
      return Promise.resolve();
    };
  }

  /**
   * Serves `body` if the lane can: one valid request (not initialize) whose headers the SDK would take, and
   * whose id is not in the lane already. False leaves the request to the SDK's transport.
   */
  take(req: IncomingMessage, res: ServerResponse, body: unknown): boolean {
    if (!isPlainObject(body) || !surelyValid(body) || body['method'] === 'initialize') return false;
    const id = body['id'] as RequestId;
    if (this.#pending.has(id) || !acceptedHeaders(req)) return false;
    this.#pending.set(id, res);
    this.#keepAlive ??= this.#armKeepAlive();
    const { headers } = req;
    const authInfo = (req as { auth?: MessageExtraInfo['authInfo'] }).auth;
    const info: MessageExtraInfo = {
      ...(authInfo !== undefined && { authInfo }),
      requestInfo: {
        headers,
        // What the SDK's web Request carries, built only for a handler that reads it.
        get url() {
          return new URL(req.url ?? '/', `http://${headers.host ?? 'localhost'}`);
        },
      },
    };
    this.#transport.onmessage?.(body as JSONRPCMessage, info);
    return true;
  }

  /** Ends every response still open: the session closed, as the SDK's transport closes its streams. */
  close(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    for (const res of this.#pending.values()) if (!res.writableEnded) res.end();
    this.#pending.clear();
  }

  #write(res: ServerResponse, message: JSONRPCMessage, id: RequestId): void {
    const event = `event: message\ndata: ${JSON.stringify(message)}\n\n`;
    const last = isResponse(message);
    if (last) this.#pending.delete(id);
    // A response whose client went away (or a stream the front door closed) hears nothing more.
    if (res.destroyed || res.writableEnded) return;
    if (!res.headersSent) {
      // The common case, a result with nothing before it: headers and the one event in one write.
      if (last) {
        res.writeHead(200, { ...this.#headers, 'content-length': Buffer.byteLength(event) });
        res.end(event);
        return;
      }
      res.writeHead(200, this.#headers);
    }
    if (last) res.end(event);
    else res.write(event);
  }

  // One timer for the lane, not one per request: a stream open through a tick hears a comment, as the
  // SDK's per-stream timer gives it one every keepAliveMs.
  #armKeepAlive(): NodeJS.Timeout {
    const timer = setInterval(() => {
      if (this.#pending.size === 0) {
        clearInterval(timer);
        this.#keepAlive = undefined;
        return;
      }
      for (const res of this.#pending.values()) {
        if (res.destroyed || res.writableEnded) continue;
        if (!res.headersSent) res.writeHead(200, this.#headers);
        res.write(': keepalive\n\n');
      }
    }, this.#keepAliveMs);
    timer.unref();
    return timer;
  }
}
