// The HTTP listener's lane answers a 2025-11-25 session's POSTs past the SDK's transport; what a client
// sees must not change. Each request goes twice through one gateway session: once as SDK clients send it
// (`content-type: application/json`, which the lane takes) and once with a charset parameter (which the lane
// leaves to the SDK's transport). Status, headers and body must match byte for byte, notifications before
// the result and errors included. A spy on the SDK transport's handleRequest tells which way each went.
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGateway, type Gateway } from '@mcp-middleware/cli';
import { initializeRequest } from './fixtures/raw-initialize.js';
import { stdioFixture } from './fixtures/stdio-fixture.js';

const LANE_TYPE = 'application/json';
const SDK_TYPE = 'application/json; charset=utf-8';
const ACCEPT = 'application/json, text/event-stream';
const COMPARED_HEADERS = ['content-type', 'cache-control', 'x-accel-buffering', 'mcp-session-id'];

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | null>;
  readonly body: string;
  /** Whether the SDK's transport handled the POST. */
  readonly sdk: boolean;
}

const handled = vi.spyOn(StreamableHTTPServerTransport.prototype, 'handleRequest');

let gateway: Gateway;
let session = '';

async function post(body: unknown, type: string, extra: Record<string, string> = {}): Promise<Answer> {
  const before = handled.mock.calls.length;
  const response = await fetch(gateway.url as URL, {
    method: 'POST',
    headers: {
      'content-type': type,
      accept: ACCEPT,
      ...(session !== '' && { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }),
      ...extra,
    },
    body: JSON.stringify(body),
  });
  session = response.headers.get('mcp-session-id') ?? session;
  const headers = Object.fromEntries(COMPARED_HEADERS.map((name) => [name, response.headers.get(name)]));
  return {
    status: response.status,
    headers,
    body: await response.text(),
    sdk: handled.mock.calls.length > before,
  };
}

beforeAll(async () => {
  gateway = await createGateway({
    upstream: stdioFixture('upstream-server.ts'),
    listen: 'http://127.0.0.1:0/mcp',
  });
  const init = initializeRequest({ name: 'lane', version: '1' }, { id: 0, protocolVersion: '2025-11-25' });
  await post(init, LANE_TYPE);
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, LANE_TYPE);
  await post(
    { jsonrpc: '2.0', id: 'level', method: 'logging/setLevel', params: { level: 'debug' } },
    LANE_TYPE,
  );
});
afterAll(() => gateway.close({ drainTimeoutMs: 0 }));

const REQUESTS: ReadonlyArray<readonly [string, Record<string, unknown> | undefined]> = [
  ['tools/call', { name: 'echo', arguments: { text: 'hello' } }],
  ['tools/call', { name: 'progress', arguments: { steps: 3 }, _meta: { progressToken: 'p' } }],
  ['tools/call', { name: 'log', arguments: { message: 'heard' } }],
  ['tools/call', { name: 'add', arguments: { a: 'not a number' } }],
  ['tools/call', { name: 'no_such_tool', arguments: {} }],
  ['tools/call', { name: 'fail', arguments: {} }],
  ['tools/list', {}],
  ['resources/read', { uri: 'fixture://greeting' }],
  ['resources/read', { uri: 'fixture://nothing-here' }],
  ['prompts/get', { name: 'greet', arguments: { name: 'Ada' } }],
  ['ping', undefined],
  ['no/such/method', {}],
];

describe('a 2025-11-25 session over HTTP, lane and SDK transport side by side', () => {
  it.each(REQUESTS)('answers %s %j the same byte for byte', async (method, params) => {
    const request = { jsonrpc: '2.0', id: 7, method, ...(params !== undefined && { params }) };
    const byLane = await post(request, LANE_TYPE);
    const bySdk = await post(request, SDK_TYPE);
    expect({ ...byLane, sdk: true }).toEqual(bySdk);
    expect([byLane.sdk, bySdk.sdk]).toEqual([false, true]);
    expect(byLane.status).toBe(200);
    expect(byLane.body).toMatch(/^event: message\ndata: /);
  });

  it.each([
    ['an Accept without text/event-stream', { accept: 'application/json' }, 406],
    ['an unsupported protocol version', { 'mcp-protocol-version': '1999-01-01' }, 400],
    ['a session that does not exist', { 'mcp-session-id': 'no-such-session' }, 404],
  ])('leaves a POST with %s to the SDK, which refuses it', async (_, headers, status) => {
    const request = { jsonrpc: '2.0', id: 8, method: 'ping' };
    const byLane = await post(request, LANE_TYPE, headers);
    const bySdk = await post(request, SDK_TYPE, headers);
    expect(byLane).toEqual(bySdk);
    expect(byLane.status).toBe(status);
    // The unknown session is refused before any transport; the others by the SDK's.
    expect(byLane.sdk).toBe(status !== 404);
  });

  it('carries a server-to-client request on the call’s own stream and takes the answer posted back', async () => {
    const before = handled.mock.calls.length;
    const response = await fetch(gateway.url as URL, {
      method: 'POST',
      headers: { 'content-type': LANE_TYPE, accept: ACCEPT, 'mcp-session-id': session },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'asking', method: 'tools/call', params: { name: 'ask' } }),
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let seen = '';
    let answered = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
      const asked = /data: (\{"method":"elicitation\/create".*\})\n/.exec(seen)?.[1];
      if (asked !== undefined && !answered) {
        answered = true;
        const { id } = JSON.parse(asked) as { id: number };
        const reply = await post(
          { jsonrpc: '2.0', id, result: { action: 'accept', content: { name: 'Ada' } } },
          LANE_TYPE,
        );
        expect(reply.status).toBe(202);
      }
    }
    expect(answered).toBe(true);
    expect(seen).toContain('"result":{"content":[{"type":"text","text":"Ada"}]}');
    // Only the posted answer (a response, not a request) went through the SDK's transport.
    expect(handled.mock.calls.length - before).toBe(1);
  });

  it('sends the headers of a silent call, forgets it when its client goes away, and serves its id again', async () => {
    const controller = new AbortController();
    const blocked = {
      jsonrpc: '2.0',
      id: 'reused',
      method: 'tools/call',
      params: { name: 'block', arguments: {} },
    };
    // fetch resolves with the headers while the tool still blocks: the lane sends them after a tick.
    const response = await fetch(gateway.url as URL, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': LANE_TYPE, accept: ACCEPT, 'mcp-session-id': session },
      body: JSON.stringify(blocked),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    controller.abort();
    await post(
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'reused' } },
      LANE_TYPE,
    );
    const echo = { name: 'echo', arguments: { text: 'again' } };
    const again = await post({ jsonrpc: '2.0', id: 'reused', method: 'tools/call', params: echo }, LANE_TYPE);
    expect(again.sdk).toBe(false);
    expect(again.body).toContain('"text":"again"');
  });

  // Last: it ends the session the others use.
  it('ends a call in flight with SSE headers when its session is deleted, as the SDK ends its streams', async () => {
    const blocked = {
      jsonrpc: '2.0',
      id: 'deleted',
      method: 'tools/call',
      params: { name: 'block', arguments: {} },
    };
    const call = fetch(gateway.url as URL, {
      method: 'POST',
      headers: { 'content-type': LANE_TYPE, accept: ACCEPT, 'mcp-session-id': session },
      body: JSON.stringify(blocked),
    });
    const response = await call;
    const deleted = await fetch(gateway.url as URL, {
      method: 'DELETE',
      headers: { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
    });
    expect(deleted.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('mcp-session-id')).toBe(session);
    expect((await response.text()).replaceAll(': keepalive\n\n', '')).toBe('');
  });
});
