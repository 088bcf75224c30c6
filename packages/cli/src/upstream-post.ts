/**
 * The lane's sender for a Streamable HTTP upstream: each message is POSTed on the gateway's keep-alive pool
 * and its answer read off the socket. The SDK transport's `send` would wrap the answer in a web Response and
 * read it through three web streams (the body, a TextDecoderStream, the SSE parser), each made transferable
 * on Node 20: under 1000 clients those were the largest share of the gateway's CPU after the sockets.
 *
 * What the answer carries (a JSON body, or SSE `message` events as they arrive, so progress is not held
 * back) goes to `deliver`, the transport's `onmessage`, where the SDK transport would put it; a failure
 * goes to `onerror` as well, as the SDK transport reports it (the connection's liveness probe listens).
 * The session id and protocol version are the transport's, read at each send. Whatever the lane does not do
 * itself goes back to the SDK transport's `send`, which delivers to the same `onmessage`: a redirect (the
 * SDK follows one within the origin; after the first, every message takes that way), and a stream cut
 * after an event id (resumed with `Last-Event-ID`, as the SDK resumes it). A stream cut with no event id
 * fails the call as a connection that went away. OAuth is not done here: the gateway's upstream credentials
 * are static headers.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { upstreamAgent } from './upstream-fetch.js';

/** Where a direct POST's answers and failures go. */
export interface PostHooks {
  /** The transport's session id and negotiated protocol version, as they are now. */
  session(): { readonly sessionId: string | undefined; readonly protocolVersion: string | undefined };
  deliver(message: JSONRPCMessage): void;
  onerror(error: Error): void;
  /** The SDK transport's own send, for what the lane leaves to it (a redirect, a resumption). */
  fallback(message: JSONRPCMessage, resumptionToken?: string): Promise<void>;
}

/** Sends messages to one upstream URL; `abandon(id)` cuts one request's POST, `close()` all still reading. */
export interface DirectPost {
  send(message: JSONRPCMessage): Promise<void>;
  abandon(id: string | number): void;
  close(): void;
}

/** The media type of a Content-Type header, without parameters, lower-cased. */
const essence = (type: string | undefined): string =>
  (type ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';

/**
 * Reads SSE `message` events off `res` as they arrive: `each` gets each event's data (an event with empty
 * data, such as the SDK's priming event, is skipped as the SDK skips it), `id` each event id.
 */
function readEvents(res: IncomingMessage, each: (data: string) => void, id: (value: string) => void): void {
  let buffer = '';
  let scanned = 0;
  let data: string[] = [];
  let event = '';
  const line = (text: string): void => {
    if (text === '') {
      const joined = data.join('\n');
      if (joined !== '' && (event === '' || event === 'message')) each(joined);
      data = [];
      event = '';
    } else if (text.startsWith('data:')) data.push(text.slice(text.startsWith('data: ') ? 6 : 5));
    else if (text.startsWith('event:')) event = text.slice(6).trim();
    else if (text.startsWith('id:')) id(text.slice(3).trim());
  };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let start = 0;
    // Scanned from where the last chunk stopped, so one long line in many chunks is read once.
    for (let nl = buffer.indexOf('\n', scanned); nl !== -1; nl = buffer.indexOf('\n', start)) {
      line(buffer.slice(start, buffer.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
      start = nl + 1;
    }
    buffer = buffer.slice(start);
    scanned = buffer.length;
  });
}

/** The whole body of `res` as text. */
function readText(res: IncomingMessage, done: (text: string) => void): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.once('end', () => done(text));
}

/** What one exchange does with its answer: messages as they come, the end, or a failure (once). */
interface Exchange {
  deliver(json: string): void;
  /** The id of the last SSE event, from which a cut stream resumes. */
  eventId(value: string): void;
  /** The answer ended; `cause` when the connection was cut first. */
  finish(cause?: Error): void;
  fail(error: Error): void;
  /** A 3xx: the SDK transport sends it again (it follows redirects within the origin). */
  redirected(): void;
  /** Given up on by the caller: settles quietly, so cutting the connection reports nothing. */
  abandon(): void;
}

/** Reads `res`, the answer to one POST, into `on`, as the SDK transport reads it. */
function readAnswer(res: IncomingMessage, on: Exchange): void {
  const status = res.statusCode ?? 0;
  if (status >= 300 && status <= 399) {
    res.resume();
    return on.redirected();
  }
  if (status < 200 || status > 299) {
    return readText(res, (text) =>
      on.fail(new StreamableHTTPError(status, `Error POSTing to endpoint: ${text}`)),
    );
  }
  if (status === 202) {
    res.resume();
    return on.finish();
  }
  const type = essence(res.headers['content-type']);
  // A socket cut mid-answer errors the response ("aborted"), or closes it with neither event.
  res.once('error', (error) => on.finish(error));
  res.once('close', () => {
    if (!res.complete) on.finish(new Error('the connection closed'));
  });
  if (type === 'text/event-stream') {
    readEvents(
      res,
      (json) => on.deliver(json),
      (value) => on.eventId(value),
    );
    res.once('end', () => on.finish());
  } else if (type === 'application/json') {
    readText(res, (text) => {
      on.deliver(text);
      on.finish();
    });
  } else {
    res.destroy();
    on.fail(new StreamableHTTPError(-1, `Unexpected content type: ${String(res.headers['content-type'])}`));
  }
}

/** What an exchange settles: its promise, and the way back to the SDK transport. */
interface Settle {
  resolve(): void;
  reject(error: Error): void;
  /** Sends `message` with the SDK transport instead (a resumption when `resumptionToken` is given). */
  handOver(resumptionToken?: string): void;
}

/**
 * The exchange of `message` (a request, or a notification): settles once, knows whether the request was
 * answered, and resumes a stream cut after an event id.
 */
function exchange(message: JSONRPCMessage, hooks: PostHooks, settle: Settle): Exchange {
  const id = 'id' in message && 'method' in message ? message.id : undefined;
  let answered = id === undefined;
  let settled = false;
  let lastEventId: string | undefined;
  const on: Exchange = {
    deliver(json) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        hooks.onerror(new Error(`the upstream sent a message that is not JSON: ${json.slice(0, 200)}`));
        return;
      }
      for (const one of (Array.isArray(parsed) ? parsed : [parsed]) as JSONRPCMessage[]) {
        if (typeof one !== 'object' || one === null) continue;
        if (!('method' in one) && 'id' in one && one.id === id) answered = true;
        hooks.deliver(one);
      }
    },
    eventId(value) {
      lastEventId = value;
    },
    finish(cause) {
      if (settled) return;
      if (answered) {
        settled = true;
        return settle.resolve();
      }
      if (lastEventId !== undefined) {
        settled = true;
        return settle.handOver(lastEventId);
      }
      // As for any upstream that goes away mid-call: the call may or may not have run.
      const said = cause === undefined ? 'ended its answer' : 'connection closed';
      on.fail(
        new McpError(
          ErrorCode.ConnectionClosed,
          `the upstream ${said} before answering request ${String(id)}`,
          {
            cause: cause?.message,
          },
        ),
      );
    },
    fail(error) {
      if (settled) return;
      settled = true;
      hooks.onerror(error);
      settle.reject(error);
    },
    redirected() {
      if (settled) return;
      settled = true;
      settle.handOver();
    },
    abandon() {
      if (settled) return;
      settled = true;
      settle.resolve();
    },
  };
  return on;
}

/** A DirectPost to `url` with the gateway's configured `headers` (credentials for the upstream). */
export function directPost(
  url: URL,
  headers: Readonly<Record<string, string>>,
  hooks: PostHooks,
): DirectPost {
  const https = url.protocol === 'https:';
  const post = https ? httpsRequest : httpRequest;
  // The POSTs still reading, by the id of the request they carry (a notification's by a symbol of its own).
  const open = new Map<unknown, { req: ClientRequest; on: Exchange }>();
  // Once the upstream redirected, every message goes the SDK transport's way (it follows the redirect).
  let redirects = false;

  const send = (message: JSONRPCMessage): Promise<void> => {
    if (redirects) return hooks.fallback(message);
    const body = JSON.stringify(message);
    const { sessionId, protocolVersion } = hooks.session();
    const sent: Record<string, string> = {
      ...(sessionId !== undefined && { 'mcp-session-id': sessionId }),
      ...(protocolVersion !== undefined && { 'mcp-protocol-version': protocolVersion }),
      ...headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'content-length': String(Buffer.byteLength(body)),
    };
    return new Promise<void>((resolve, reject) => {
      const on = exchange(message, hooks, {
        resolve,
        reject,
        handOver(resumptionToken) {
          if (resumptionToken === undefined) redirects = true;
          hooks.fallback(message, resumptionToken).then(resolve, reject);
        },
      });
      const req = post(url, { method: 'POST', headers: sent, agent: upstreamAgent(https) }, (res) =>
        readAnswer(res, on),
      );
      const key = 'id' in message && 'method' in message ? message.id : Symbol('notification');
      open.set(key, { req, on });
      req.once('close', () => {
        if (open.get(key)?.req === req) open.delete(key);
      });
      req.once('error', (error) => on.fail(new TypeError('fetch failed', { cause: error })));
      req.end(body);
    });
  };

  return {
    send,
    abandon(id) {
      // The upstream keeps a cancelled request's stream open; cutting the POST frees the pooled socket.
      const entry = open.get(id);
      open.delete(id);
      entry?.on.abandon();
      entry?.req.destroy();
    },
    close() {
      for (const { req, on } of open.values()) {
        on.abandon();
        req.destroy();
      }
      open.clear();
    },
  };
}
