/**
 * The lane's sender for a Streamable HTTP upstream: each message is POSTed on the gateway's keep-alive pool
 * and its answer read off the socket. The SDK transport's `send` would wrap the answer in a web Response and
 * read it through three web streams (the body, a TextDecoderStream, the SSE parser), each made transferable
 * on Node 20: under 1000 clients those were the largest share of the gateway's CPU after the sockets.
 *
 * What the answer carries (a JSON body, or SSE `message` events as they arrive, so progress is not held
 * back) goes to `deliver`, the transport's `onmessage`, where the SDK transport would put it; a failure
 * goes to `onerror` as well, as the SDK transport reports it (the connection's liveness probe listens).
 * The session id and protocol version are the transport's, read at each send. Not done here: resuming a
 * cut SSE stream with `Last-Event-ID` (a cut stream fails the request; the gateway reports that the call
 * may or may not have run, as for any upstream that goes away) and OAuth (the gateway's upstream
 * credentials are static headers).
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { upstreamAgent } from './upstream-fetch.js';

/** Where a direct POST's answers and failures go. */
export interface PostHooks {
  /** The transport's session id and negotiated protocol version, as they are now. */
  session(): { readonly sessionId: string | undefined; readonly protocolVersion: string | undefined };
  deliver(message: JSONRPCMessage): void;
  onerror(error: Error): void;
}

/** Sends messages to one upstream URL; `close()` cuts the POSTs still reading. */
export interface DirectPost {
  send(message: JSONRPCMessage): Promise<void>;
  close(): void;
}

/** The media type of a Content-Type header, without parameters, lower-cased. */
const essence = (type: string | undefined): string =>
  (type ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';

/** Reads SSE `message` events off `res` as they arrive; `each` gets each event's data. */
function readEvents(res: IncomingMessage, each: (data: string) => void): void {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const line = buffer.charCodeAt(nl - 1) === 13 ? buffer.slice(0, nl - 1) : buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line === '') {
        if (data.length > 0 && (event === '' || event === 'message')) each(data.join('\n'));
        data = [];
        event = '';
      } else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      else if (line.startsWith('event:')) event = line.slice(6).trim();
    }
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
  finish(): void;
  fail(error: Error): void;
}

/** Reads `res`, the answer to one POST, into `on`, as the SDK transport reads it. */
function readAnswer(res: IncomingMessage, on: Exchange): void {
  const status = res.statusCode ?? 0;
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
  const cut = (cause?: Error): void =>
    on.fail(new Error('the upstream connection closed before its answer ended', { cause }));
  res.once('error', cut);
  res.once('close', () => {
    if (!res.complete) cut();
  });
  if (type === 'text/event-stream') {
    readEvents(res, (json) => on.deliver(json));
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

/** The exchange of request `id` (undefined for a notification): settles once, knows if `id` was answered. */
function exchange(
  id: unknown,
  hooks: PostHooks,
  resolve: () => void,
  reject: (error: Error) => void,
): Exchange {
  let answered = id === undefined;
  let settled = false;
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
    finish() {
      if (!answered) {
        return on.fail(
          new Error(`the upstream ended its answer to request ${String(id)} without a response`),
        );
      }
      settled = true;
      resolve();
    },
    fail(error) {
      if (settled) return;
      settled = true;
      hooks.onerror(error);
      reject(error);
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
  const open = new Set<ClientRequest>();

  const send = (message: JSONRPCMessage): Promise<void> => {
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
    const id = 'id' in message && 'method' in message ? message.id : undefined;
    return new Promise<void>((resolve, reject) => {
      const on = exchange(id, hooks, resolve, reject);
      const req = post(url, { method: 'POST', headers: sent, agent: upstreamAgent(https) }, (res) =>
        readAnswer(res, on),
      );
      open.add(req);
      const done = (): boolean => open.delete(req);
      req.once('close', done);
      req.once('error', (error) => on.fail(new TypeError('fetch failed', { cause: error })));
      req.end(body);
    });
  };

  return {
    send,
    close() {
      for (const req of open) req.destroy();
      open.clear();
    },
  };
}
