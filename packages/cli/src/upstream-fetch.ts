/**
 * The `fetch` the gateway's upstream HTTP transports use: node:http keep-alive agents, one pool per process.
 * A request a reused kept-alive socket lost before any answer (the upstream closed the idle socket as the
 * request left) is sent once more on a fresh connection, but only when sending it twice changes nothing (see
 * `resendable`); any other failure is the caller's.
 */
import { setMaxListeners } from 'node:events';
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

// The idle time after which a free socket is dropped; the agent shortens it to a server's `Keep-Alive:
// timeout` hint less a second, so the gateway lets a socket go before the upstream would close it.
const IDLE_MS = 4000;
// Enough free sockets to keep one per concurrent call of a busy gateway without reconnecting after a burst.
const MAX_FREE_SOCKETS = 4096;
const agentOptions = {
  keepAlive: true,
  timeout: IDLE_MS,
  maxFreeSockets: MAX_FREE_SOCKETS,
  scheduling: 'lifo',
} as const;
let agents: { http: HttpAgent; https: HttpsAgent } | undefined;

const SHARED_SIGNAL_LISTENERS = 100_000;
const raised = new WeakSet<AbortSignal>();

/**
 * The SDK hands every request of a connection one signal; each request adds an abort listener while it
 * runs, so a connection with many calls in flight would warn of a listener leak. The limit on that one
 * signal goes far above what calls in flight reach, so a warning would still flag a real leak.
 */
function raiseListenerLimit(signal: AbortSignal): void {
  if (raised.has(signal)) return;
  raised.add(signal);
  try {
    setMaxListeners(SHARED_SIGNAL_LISTENERS, signal);
  } catch {
    // A signal from another realm is not an EventTarget here; it only means the warning may show.
  }
}

/** The socket failures that mean the upstream closed a reused socket before it answered a byte. */
const LOST_SOCKET = new Set(['ECONNRESET', 'EPIPE']);

/** True when `req` may be sent again: a reused kept-alive socket failed before the response began. */
function lostIdleSocket(req: ClientRequest, error: NodeJS.ErrnoException, readBefore: number): boolean {
  return (
    req.reusedSocket &&
    error.code !== undefined &&
    LOST_SOCKET.has(error.code) &&
    // Not one byte of an answer: a status line cut short means the upstream had the request.
    (req.socket?.bytesRead ?? Infinity) === readBefore
  );
}

/**
 * Requests whose second delivery changes nothing upstream. A socket lost before any answer looks the same
 * whether the upstream closed it idle (never read the request) or read the request and then died, so only
 * these are sent again (RFC 9110 §9.2.2); a `tools/call` may have run and is left to the caller.
 */
const RESENDABLE_METHODS = new Set([
  'initialize',
  'ping',
  'server/discover',
  'tools/list',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'logging/setLevel',
  'subscriptions/listen',
  'tasks/get',
  'tasks/list',
  'tasks/result',
]);

/**
 * True when sending `body` again is harmless: a GET (a stream), a DELETE (ends a session, once or twice), or a
 * POST whose JSON-RPC requests are all in RESENDABLE_METHODS (notifications and responses are harmless too).
 * Read only on the failure path, so no request pays for the parse.
 */
export function resendable(method: string, body: string | Uint8Array | undefined): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'DELETE') return true;
  if (body === undefined) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    return false;
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  return messages.every((message: unknown) => {
    if (typeof message !== 'object' || message === null) return false;
    const { id, method: called } = message as { id?: unknown; method?: unknown };
    if (called === undefined) return true; // a response to the upstream's own request
    if (typeof called !== 'string') return false;
    return id === undefined || RESENDABLE_METHODS.has(called);
  });
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const given = init?.headers;
  if (given === undefined) return {};
  // Headers, pairs or a record: Headers reads each form and lower-cases the names.
  return Object.fromEntries(given instanceof Headers ? given : new Headers(given));
}

function bodyOf(init: RequestInit | undefined): string | Uint8Array | undefined {
  const body = init?.body;
  if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) {
    return body ?? undefined;
  }
  throw new TypeError('the upstream fetch sends only string or byte bodies');
}

/** The web Response for `res`: its status, headers and a body stream that honours backpressure. */
function responseOf(res: IncomingMessage, method: string, done: () => void): Response {
  const status = res.statusCode ?? 502;
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  const init = { status, statusText: res.statusMessage ?? '', headers };
  if (method === 'HEAD' || status === 204 || status === 205 || status === 304) {
    res.resume();
    res.once('end', done);
    return new Response(null, init);
  }
  let open = true;
  const finish = (error?: unknown): void => {
    if (!open) return;
    open = false;
    done();
    if (error === undefined) controller.close();
    else controller.error(new TypeError('the upstream response ended early', { cause: error }));
  };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(given) {
      controller = given;
      res.on('data', (chunk: Buffer) => {
        if (!open) return;
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 1) <= 0) res.pause();
      });
      res.once('end', () => finish());
      res.on('error', finish);
      // A socket that closes mid-body may end the response with neither `end` nor `error`.
      res.once('close', () => finish(new Error('the connection closed before the response ended')));
    },
    pull() {
      res.resume();
    },
    cancel() {
      open = false;
      done();
      // A response read to its end leaves the socket to the pool; only one cut short costs the socket.
      if (res.complete) res.resume();
      else res.destroy();
    },
  });
  return new Response(body, init);
}

/** The process's keep-alive pool for upstream requests (the lane's direct POSTs share it). */
export function upstreamAgent(https: boolean): HttpAgent {
  agents ??= { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  return https ? agents.https : agents.http;
}

/**
 * A WHATWG `fetch` for the SDK's Streamable HTTP client transport, on keep-alive agents. Redirects are
 * returned, not followed (the SDK follows those within the origin itself).
 */
export function upstreamFetch(url: string | URL, init?: RequestInit): Promise<Response> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const signal = init?.signal ?? undefined;
  if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
  const method = init?.method ?? 'GET';
  const headers = headersOf(init);
  const body = bodyOf(init);
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const https = target.protocol === 'https:';
  const options = { method, headers, agent: upstreamAgent(https) };
  if (signal !== undefined) raiseListenerLimit(signal);
  return new Promise((resolve, reject) => {
    let current: ClientRequest | undefined;
    const onAbort = (): void => void current?.destroy(signal?.reason as Error);
    const done = (): void => signal?.removeEventListener('abort', onAbort);
    const send = (retried: boolean): void => {
      let answered = false;
      const req = (https ? httpsRequest : httpRequest)(target, options, (res) => {
        answered = true;
        try {
          resolve(responseOf(res, method, done));
        } catch (error) {
          // A status a web Response cannot carry (below 200 or above 599): fail the fetch, as fetch does.
          res.destroy();
          done();
          reject(new TypeError('fetch failed', { cause: error }));
        }
      });
      current = req;
      let readBefore = -1;
      req.once('socket', (socket) => {
        readBefore = socket.bytesRead;
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        // Once, only before any answer, and only a request whose second delivery changes nothing.
        if (
          !retried &&
          !answered &&
          signal?.aborted !== true &&
          lostIdleSocket(req, error, readBefore) &&
          resendable(method, body)
        )
          return send(true);
        done();
        reject(signal?.aborted === true ? signal.reason : new TypeError('fetch failed', { cause: error }));
      });
      req.end(body);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    send(false);
  });
}
