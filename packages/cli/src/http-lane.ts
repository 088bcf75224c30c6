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

/** How the lane paces what the SDK's transport does at once or per stream. */
export interface HttpLaneTiming {
  /**
   * The lane's clock: a request still silent after one to two ticks gets its SSE headers, which the SDK
   * sends at once (a result within a tick goes out with them in one write).
   * @default 1000
   */
  readonly tickMs?: number;
  /** Between keep-alive comments on a stream that stays open, as the SDK's. @default 15000 */
  readonly keepAliveMs?: number;
}

const VALID_HOST = /^[\w.\-:[\]]+$/;

/** True when the SDK's transport would take this POST's headers as they are, and read them as Node did. */
function acceptedHeaders(req: IncomingMessage): boolean {
  const { accept, 'content-type': type, 'mcp-protocol-version': version, host } = req.headers;
  if (accept === undefined || !accept.includes('application/json') || !accept.includes('text/event-stream'))
    return false;
  // Only the exact type SDK clients send: a parameter (charset…) is the SDK's to judge.
  if (type !== 'application/json') return false;
  if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) return false;
  // A Host the SDK's request adapter would refuse, and headers Node keeps once where it joins them.
  return host !== undefined && VALID_HOST.test(host) && !repeatsSingleHeader(req.rawHeaders);
}

/** True when `content-type` or `authorization` comes twice: Node keeps the first, the SDK joins them. */
function repeatsSingleHeader(raw: readonly string[]): boolean {
  let types = 0;
  let credentials = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 12 && name.toLowerCase() === 'content-type') types += 1;
    else if (name.length === 13 && name.toLowerCase() === 'authorization') credentials += 1;
  }
  return types > 1 || credentials > 1;
}

const isResponse = (message: JSONRPCMessage): boolean => 'result' in message || 'error' in message;

/** A request in the lane: its Node response, and the lane's tick when it was taken. */
interface Stream {
  readonly res: ServerResponse;
  readonly tick: number;
}

/** One session transport's requests in the lane, and how their messages reach the Node responses. */
export class HttpLane {
  readonly #transport: StreamableHTTPServerTransport;
  readonly #pending = new Map<RequestId, Stream>();
  /** The SSE headers the SDK answers a request with, lower-cased as it writes them. */
  readonly #headers: Readonly<Record<string, string>>;
  readonly #tickMs: number;
  readonly #keepAliveTicks: number;
  #timer: NodeJS.Timeout | undefined;
  #tick = 0;

  /** Puts the lane on `transport`, which its session's Server is connected to (with an id). */
  constructor(transport: StreamableHTTPServerTransport, timing: HttpLaneTiming = {}) {
    this.#transport = transport;
    this.#tickMs = timing.tickMs ?? 1000;
    this.#keepAliveTicks = Math.max(1, Math.round((timing.keepAliveMs ?? 15_000) / this.#tickMs));
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
      const stream = id === undefined ? undefined : this.#pending.get(id);
      if (stream === undefined) return sdkSend(message, options);
      this.#write(stream.res, message, id as RequestId);
      return Promise.resolve();
    };
  }

  /**
   * Serves `body` if the lane can: one valid request (not initialize) whose headers the SDK would take.
   * False leaves the request to the SDK's transport. A request reusing the id of one still open takes its
   * place, as the SDK maps an id to its latest stream; the older response ends.
   */
  take(req: IncomingMessage, res: ServerResponse, body: unknown): boolean {
    if (!isPlainObject(body) || !surelyValid(body) || body['method'] === 'initialize') return false;
    if (!acceptedHeaders(req)) return false;
    const id = body['id'] as RequestId;
    const replaced = this.#pending.get(id);
    if (replaced !== undefined) this.#end(replaced.res);
    const stream: Stream = { res, tick: this.#tick };
    this.#pending.set(id, stream);
    // A client that goes away leaves nothing behind; its answer then finds no stream, as on the SDK's path.
    res.once('close', () => {
      if (this.#pending.get(id) === stream) this.#pending.delete(id);
    });
    this.#timer ??= this.#arm();
    this.#transport.onmessage?.(body as JSONRPCMessage, this.#extraInfo(req));
    return true;
  }

  /** Ends every response still open: the session closed, as the SDK's transport closes its streams. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const { res } of this.#pending.values()) this.#end(res);
    this.#pending.clear();
  }

  /** What the SDK's transport hands the Server with a request: the credential and a copy of the headers. */
  #extraInfo(req: IncomingMessage): MessageExtraInfo {
    const authInfo = (req as { auth?: MessageExtraInfo['authInfo'] }).auth;
    let headers: IncomingMessage['headers'] | undefined;
    let url: URL | undefined;
    return {
      ...(authInfo !== undefined && { authInfo }),
      // Built only for a handler that reads them, once.
      requestInfo: {
        get headers() {
          return (headers ??= { ...req.headers });
        },
        get url() {
          const scheme = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
          return (url ??= new URL(req.url ?? '/', `${scheme}://${req.headers.host ?? 'localhost'}`));
        },
      },
    };
  }

  /** Ends `res` as the SDK's closed stream ends: SSE headers (if none went yet), no event. */
  #end(res: ServerResponse): void {
    if (res.destroyed || res.writableEnded) return;
    if (!res.headersSent) res.writeHead(200, this.#headers);
    res.end();
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

  // One timer for the lane while it has requests, not one per request: a request silent for a whole tick
  // gets its headers, and every keepAliveMs each open stream hears a comment, as the SDK's timer gives it.
  #arm(): NodeJS.Timeout {
    const timer = setInterval(() => {
      if (this.#pending.size === 0) {
        clearInterval(timer);
        this.#timer = undefined;
        return;
      }
      const tick = ++this.#tick;
      const keepAlive = tick % this.#keepAliveTicks === 0;
      for (const { res, tick: taken } of this.#pending.values()) {
        if (res.destroyed || res.writableEnded || tick - taken < 2) continue;
        if (!res.headersSent) {
          res.writeHead(200, this.#headers);
          res.flushHeaders();
        }
        if (keepAlive) res.write(': keepalive\n\n');
      }
    }, this.#tickMs);
    timer.unref();
    return timer;
  }
}
