import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpLane, type HttpLaneTiming } from './http-lane.js';

const HEADERS = {
  accept: 'application/json, text/event-stream',
  'content-type': 'application/json',
  host: '127.0.0.1:1',
};
const REQUEST = { jsonrpc: '2.0', id: 1, method: 'tools/list' };

/** A stand-in for the SDK's transport: what reaches its `onmessage`, and what its own `send` was given. */
function stubTransport(): {
  transport: StreamableHTTPServerTransport;
  received: unknown[];
  sdkSent: unknown[];
} {
  const received: unknown[] = [];
  const sdkSent: unknown[] = [];
  const transport = {
    sessionId: 's-1',
    onmessage: (message: unknown) => void received.push(message),
    send: (message: unknown) => {
      sdkSent.push(message);
      return Promise.resolve();
    },
  } as unknown as StreamableHTTPServerTransport;
  return { transport, received, sdkSent };
}

const req = (
  headers: Record<string, string>,
  raw: string[] = Object.entries(headers).flat(),
): IncomingMessage => ({ headers, rawHeaders: raw, url: '/mcp', socket: {} }) as unknown as IncomingMessage;
const res = (): ServerResponse =>
  ({
    writableEnded: false,
    headersSent: true,
    end: () => undefined,
    once: () => undefined,
  }) as unknown as ServerResponse;

describe('HttpLane.take', () => {
  it.each([
    ['a batch', [REQUEST], HEADERS],
    ['a notification', { jsonrpc: '2.0', method: 'notifications/initialized' }, HEADERS],
    ['a response', { jsonrpc: '2.0', id: 1, result: {} }, HEADERS],
    ['initialize', { ...REQUEST, method: 'initialize' }, HEADERS],
    ['a request the SDK schema refuses', { ...REQUEST, params: [] }, HEADERS],
    ['an Accept without text/event-stream', REQUEST, { ...HEADERS, accept: 'application/json' }],
    ['no Accept', REQUEST, { 'content-type': 'application/json' }],
    [
      'a content type with a parameter',
      REQUEST,
      { ...HEADERS, 'content-type': 'application/json; charset=utf-8' },
    ],
    ['an unsupported protocol version', REQUEST, { ...HEADERS, 'mcp-protocol-version': '1999-01-01' }],
    ['no Host', REQUEST, { accept: HEADERS.accept, 'content-type': HEADERS['content-type'] }],
    ['a Host no URL can have', REQUEST, { ...HEADERS, host: 'a@b' }],
  ])('leaves %s to the SDK transport', (_, body, headers) => {
    const { transport, received } = stubTransport();
    expect(new HttpLane(transport).take(req(headers), res(), body)).toBe(false);
    expect(received).toEqual([]);
  });

  it.each(['Content-Type', 'authorization'])('leaves a POST that repeats %s to the SDK transport', (name) => {
    const { transport } = stubTransport();
    const raw = [...Object.entries(HEADERS).flat(), name, 'application/json', 'Authorization', 'Bearer a'];
    expect(new HttpLane(transport).take(req(HEADERS, raw), res(), REQUEST)).toBe(false);
  });

  it('takes a valid request, and passes its handler the credential and a copy of the headers', () => {
    const { transport, received } = stubTransport();
    const infos: unknown[] = [];
    transport.onmessage = (message, info) => void received.push(message, infos.push(info));
    const lane = new HttpLane(transport);
    const request = Object.assign(req({ ...HEADERS, 'mcp-protocol-version': '2025-11-25' }), {
      auth: { token: 't', clientId: 'c', scopes: [] },
    });
    expect(lane.take(request, res(), REQUEST)).toBe(true);
    expect(received[0]).toEqual(REQUEST);
    const info = infos[0] as { authInfo: unknown; requestInfo: { headers: unknown; url: URL } };
    expect(info.authInfo).toEqual({ token: 't', clientId: 'c', scopes: [] });
    expect(info.requestInfo.headers).toEqual(request.headers);
    expect(info.requestInfo.headers).not.toBe(request.headers);
    expect(info.requestInfo.url.href).toBe('http://127.0.0.1:1/mcp');
    lane.close();
  });
});

describe('HttpLane responses', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A real HTTP server whose every POST goes through `lane`; resolves with the URL and the lane. */
  async function serving(timing?: HttpLaneTiming) {
    const stub = stubTransport();
    const lane = new HttpLane(stub.transport, timing);
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => void lane.take(request, response, JSON.parse(text)));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    const open = (id: number) =>
      fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify({ ...REQUEST, id }) });
    return { ...stub, lane, open };
  }

  it('writes the request’s notifications and then its response as SSE events, and hands other messages on', async () => {
    const { transport, lane, open, received, sdkSent } = await serving();
    const answer = open(1);
    await expect.poll(() => received.length).toBe(1);
    const progress = {
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 1, progress: 1 },
    };
    await transport.send(progress as JSONRPCMessage, { relatedRequestId: 1 });
    await transport.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    await transport.send({ jsonrpc: '2.0', id: 1, result: { tools: [] } });
    const response = await answer;
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('mcp-session-id')).toBe('s-1');
    expect(await response.text()).toBe(
      `event: message\ndata: ${JSON.stringify(progress)}\n\n` +
        'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"tools":[]}}\n\n',
    );
    // Unrelated to a request in the lane: the SDK transport's to send (the standalone stream).
    expect(sdkSent).toEqual([{ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }]);
    lane.close();
  });

  it('sends the headers of a request still silent after a tick, then keep-alive comments', async () => {
    const { lane, open, received } = await serving({ tickMs: 10, keepAliveMs: 20 });
    // fetch resolves with the headers: before any message for the request.
    const answer = await open(2);
    expect(received).toHaveLength(1);
    expect(answer.headers.get('content-type')).toBe('text/event-stream');
    const reader = (answer.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(': keepalive\n\n');
    lane.close();
    await reader.cancel();
  });

  it('ends a response the session closes with SSE headers and no event, as the SDK ends its streams', async () => {
    const { lane, open, received } = await serving({ tickMs: 60_000 });
    const answer = open(3);
    await expect.poll(() => received.length).toBe(1);
    lane.close();
    const response = await answer;
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('mcp-session-id')).toBe('s-1');
    expect(await response.text()).toBe('');
  });

  it('gives a reused id to the latest request and ends the older response', async () => {
    const { transport, lane, open, received } = await serving({ tickMs: 60_000 });
    const older = open(4);
    await expect.poll(() => received.length).toBe(1);
    const newer = open(4);
    await expect.poll(() => received.length).toBe(2);
    expect(await (await older).text()).toBe('');
    await transport.send({ jsonrpc: '2.0', id: 4, result: {} });
    expect(await (await newer).text()).toBe('event: message\ndata: {"jsonrpc":"2.0","id":4,"result":{}}\n\n');
    lane.close();
  });

  it('forgets a request whose client went away: its answer goes to the SDK transport, which has no stream', async () => {
    const { transport, lane, received, sdkSent } = await serving({ tickMs: 60_000 });
    const controller = new AbortController();
    const url = `http://127.0.0.1:${(server?.address() as AddressInfo).port}/mcp`;
    const gone = fetch(url, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify({ ...REQUEST, id: 5 }),
      signal: controller.signal,
    });
    await expect.poll(() => received.length).toBe(1);
    controller.abort();
    await expect(gone).rejects.toThrow();
    const answer = { jsonrpc: '2.0', id: 5, result: {} } as JSONRPCMessage;
    await expect.poll(async () => (await transport.send(answer), sdkSent.includes(answer))).toBe(true);
    lane.close();
  });
});
