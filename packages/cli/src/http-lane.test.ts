import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpLane } from './http-lane.js';

const HEADERS = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
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

const req = (headers: Record<string, string>): IncomingMessage =>
  ({ headers, url: '/mcp' }) as IncomingMessage;
const res = { writableEnded: false, end: () => undefined } as unknown as ServerResponse;

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
  ])('leaves %s to the SDK transport', (_, body, headers) => {
    const { transport, received } = stubTransport();
    expect(new HttpLane(transport).take(req(headers), res, body)).toBe(false);
    expect(received).toEqual([]);
  });

  it('takes one valid request, and leaves a second with the same id while the first is open', () => {
    const { transport, received } = stubTransport();
    const lane = new HttpLane(transport);
    expect(lane.take(req({ ...HEADERS, 'mcp-protocol-version': '2025-11-25' }), res, REQUEST)).toBe(true);
    expect(lane.take(req(HEADERS), res, REQUEST)).toBe(false);
    expect(received).toEqual([REQUEST]);
    lane.close();
  });
});

describe('HttpLane responses', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A real HTTP server whose every POST goes through `lane`; resolves with the URL and the lane. */
  async function serving(keepAliveMs?: number) {
    const stub = stubTransport();
    const lane = new HttpLane(stub.transport, keepAliveMs);
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

  it('sends a keep-alive comment on a stream open through a tick, and ends open streams on close', async () => {
    const { lane, open, received } = await serving(20);
    const answer = await open(2);
    await expect.poll(() => received.length).toBe(1);
    const reader = (answer.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe(': keepalive\n\n');
    lane.close();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest.replaceAll(': keepalive\n\n', '')).toBe('');
  });
});
