// What the upstream answers with a JSON-RPC error, the gateway answers byte for byte; and bad input (a client
// sending garbage, an upstream writing garbage or dying mid-call) costs only the one client it concerns.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway, type GatewayEvent } from '@mcp-middleware/cli';
import { initializeRequest } from './fixtures/raw-initialize.js';
import { stdioFixture } from './fixtures/stdio-fixture.js';
import { errorCode, eventRecorder, text } from './fixtures/upstream-helpers.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** A raw Streamable HTTP session: `send` returns the JSON-RPC response exactly as it was written. */
async function rawSession(url: URL): Promise<{ send(method: string, params: unknown): Promise<string> }> {
  let sessionId = '';
  let id = 0;
  const post = async (body: unknown): Promise<string> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: sessionId === '' ? HEADERS : { ...HEADERS, 'mcp-session-id': sessionId },
      body: JSON.stringify(body),
    });
    sessionId = response.headers.get('mcp-session-id') ?? sessionId;
    const raw = await response.text();
    // An SSE answer carries the message on its data line; a JSON answer is the message.
    return /^data: (.*)$/m.exec(raw)?.[1] ?? raw;
  };
  await post(initializeRequest({ name: 'raw', version: '1' }, { id: id++, protocolVersion: '2025-11-25' }));
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return { send: (method, params) => post({ jsonrpc: '2.0', id: id++, method, params }) };
}

describe('upstream JSON-RPC errors through the gateway', () => {
  let upstream: HttpUpstreamFixture;
  let gateway: Gateway;

  beforeAll(async () => {
    upstream = await startHttpUpstream();
    gateway = await createGateway({ upstream: { url: upstream.url }, listen: 'http://127.0.0.1:0/mcp' });
  });
  afterAll(async () => {
    await gateway.close({ drainTimeoutMs: 0 });
    await upstream.kill();
  });

  it.each([
    ['tools/call', { name: 'no_such_tool', arguments: {} }],
    ['tools/call', { name: 'add', arguments: { a: 'not a number' } }],
    ['resources/read', { uri: 'fixture://nothing-here' }],
    ['prompts/get', { name: 'no_such_prompt' }],
    ['prompts/get', { name: 'greet', arguments: {} }],
  ])('answers %s %j byte for byte as the bare upstream does', async (method, params) => {
    const bare = await (await rawSession(upstream.url)).send(method, params);
    const through = await (await rawSession(gateway.url as URL)).send(method, params);
    expect(through).toBe(bare);
  });

  it('passes a JSON-RPC error a low-level upstream answers tools/call with through byte for byte', async () => {
    const strict = await startHttpUpstream(() => {
      const server = new Server({ name: 'strict', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [] }));
      server.setRequestHandler(CallToolRequestSchema, ({ params }) => {
        throw Object.assign(new Error(`Unknown tool: ${params.name}`), {
          code: ErrorCode.InvalidParams,
          data: { tool: params.name },
        });
      });
      return server;
    });
    const front = await createGateway({ upstream: { url: strict.url }, listen: 'http://127.0.0.1:0/mcp' });
    const params = { name: 'nope', arguments: {} };
    const bare = await (await rawSession(strict.url)).send('tools/call', params);
    const through = await (await rawSession(front.url as URL)).send('tools/call', params);
    await front.close({ drainTimeoutMs: 0 });
    await strict.kill();
    expect(JSON.parse(bare)).toMatchObject({ error: { code: -32602, data: { tool: 'nope' } } });
    expect(through).toBe(bare);
  });

  it('gives an SDK client the same error message as the bare upstream, never one prefix more', async () => {
    const messageVia = async (url: URL): Promise<string | undefined> => {
      const client = new Client({ name: 'errors-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(url));
      const error = await client.readResource({ uri: 'fixture://nothing-here' }).then(
        () => undefined,
        (e: unknown) => (e as Error).message,
      );
      await client.close();
      return error;
    };
    const bare = await messageVia(upstream.url);
    expect(bare).toMatch(/not found/);
    expect(await messageVia(gateway.url as URL)).toBe(bare);
  });
});

describe('bad input reaches only the client it concerns', () => {
  let gateway: Gateway;
  let recorder: ReturnType<typeof eventRecorder<GatewayEvent>>;
  let a: Client;
  let b: Client;

  beforeAll(async () => {
    recorder = eventRecorder<GatewayEvent>();
    gateway = await createGateway({
      upstream: stdioFixture('upstream-server.ts'),
      listen: 'http://127.0.0.1:0/mcp',
      restart: { delayMs: 0 },
      onEvent: recorder.onEvent,
    });
    a = new Client({ name: 'a', version: '1.0.0' });
    b = new Client({ name: 'b', version: '1.0.0' });
    await a.connect(new StreamableHTTPClientTransport(gateway.url as URL));
    await b.connect(new StreamableHTTPClientTransport(gateway.url as URL));
  }, 30_000);
  afterAll(async () => {
    await a.close();
    await b.close();
    await gateway.close({ drainTimeoutMs: 0 });
  });

  it('answers a body that is not JSON with a parse error, and the other clients keep working', async () => {
    const response = await fetch(gateway.url as URL, { method: 'POST', headers: HEADERS, body: '{not json' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32700);
    expect(text(await b.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe('still here');
  });

  it('answers a JSON-RPC message of the wrong shape with an error to that session only', async () => {
    const session = await rawSession(gateway.url as URL);
    const answer = await session.send('tools/call', 'not an object');
    expect((JSON.parse(answer) as { error?: { code: number } }).error?.code).toBeTypeOf('number');
    expect(text(await b.callTool({ name: 'echo', arguments: { text: 'fine' } }))).toBe('fine');
  });

  it('keeps serving when the upstream writes a line that is not JSON-RPC', async () => {
    expect(text(await a.callTool({ name: 'garbage', arguments: {} }))).toBe('wrote garbage');
    expect(text(await b.callTool({ name: 'echo', arguments: { text: 'after garbage' } }))).toBe(
      'after garbage',
    );
  });

  it('answers the call the upstream died in with UPSTREAM_ERROR, and serves others after the restart', async () => {
    const reconnected = recorder.next('upstream-connected');
    const died = await a.callTool({ name: 'crash', arguments: {} });
    expect(errorCode(died)).toBe('UPSTREAM_ERROR');
    expect(await reconnected).toMatchObject({ restart: true });
    expect(text(await b.callTool({ name: 'echo', arguments: { text: 'restarted' } }))).toBe('restarted');
  });
});
