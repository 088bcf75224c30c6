// Every request gets an answer. A request whose shape SDK 1.x refuses (params that are not an object, a
// progress token that is an object, a key JSON-RPC does not have) used to vanish on stdio and in process: the
// client waited for its own timeout. Now the gateway answers it at once with -32600 on stdio and in process;
// over HTTP the SDK's transport answers it (400) before anything runs; and the session goes on serving.
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '@mcp-middleware/cli';
import { spawnGateway, stopGateway, UPSTREAM, type SpawnedGateway } from './fixtures/gateway-spawn.js';
import { initializeRequest } from './fixtures/raw-initialize.js';
import { stdioFixture } from './fixtures/stdio-fixture.js';

type Raw = Record<string, unknown>;

/** Ways to break a request's shape, each with the field its answer must name. */
const BREAKS: ReadonlyArray<readonly [string, (request: Raw) => Raw]> = [
  ['params', (r) => ({ ...r, params: [] })],
  ['params', (r) => ({ ...r, params: 'text' })],
  ['params', (r) => ({ ...r, params: null })],
  ['params._meta', (r) => ({ ...r, params: { ...(r['params'] as Raw), _meta: 'm' } })],
  [
    'params._meta.progressToken',
    (r) => ({ ...r, params: { ...(r['params'] as Raw), _meta: { progressToken: {} } } }),
  ],
  [
    'params._meta.progressToken',
    (r) => ({ ...r, params: { ...(r['params'] as Raw), _meta: { progressToken: 1.5 } } }),
  ],
  ['Unrecognized key: "extra"', (r) => ({ ...r, extra: true })],
  ['jsonrpc', (r) => ({ ...r, jsonrpc: '1.0' })],
  ['method', (r) => ({ ...r, method: 7 })],
];
/** Requests of every kind the gateway serves, each broken every way above. */
const BASES: readonly Raw[] = [
  { method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } },
  { method: 'tools/list', params: {} },
  { method: 'resources/read', params: { uri: 'fixture://greeting' } },
  { method: 'prompts/get', params: { name: 'greet', arguments: { name: 'n' } } },
  { method: 'ping', params: {} },
];
const CASES = BASES.flatMap((base, b) =>
  BREAKS.map(([field, broken], k) => ({
    field,
    request: broken({ jsonrpc: '2.0', id: `bad-${b}-${k}`, ...base }),
  })),
);
const VALID_CALL = {
  jsonrpc: '2.0',
  id: 'after',
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'still here' } },
};

/** A raw client on some transport: sends messages, and resolves the answer to an id. */
interface Wire {
  send(message: Raw): void;
  answer(id: string | number): Promise<Raw>;
}

function answerBook(): { seen(message: Raw): void; answer(id: string | number): Promise<Raw> } {
  const answers = new Map<unknown, Raw>();
  const waiting = new Map<unknown, (message: Raw) => void>();
  return {
    seen(message) {
      if (!('id' in message)) return;
      answers.set(message['id'], message);
      waiting.get(message['id'])?.(message);
    },
    answer: (id) =>
      new Promise((resolve) => {
        const known = answers.get(id);
        if (known !== undefined) resolve(known);
        else waiting.set(id, resolve);
      }),
  };
}

async function handshake(wire: Wire): Promise<void> {
  wire.send(initializeRequest({ name: 'raw', version: '1' }, { id: 1000, protocolVersion: '2025-11-25' }));
  await wire.answer(1000);
  wire.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
}

function expectEveryAnswer(wire: () => Wire): void {
  it.each(CASES)('answers $request with -32600 naming $field', async ({ field, request }) => {
    wire().send(request);
    const answer = await wire().answer(request['id'] as string);
    expect(answer).toMatchObject({ jsonrpc: '2.0', id: request['id'], error: { code: -32600 } });
    expect((answer['error'] as { message: string }).message).toContain(field);
  });

  it('goes on serving the same session after every one of them', async () => {
    wire().send(VALID_CALL);
    expect(await wire().answer('after')).toMatchObject({
      result: { content: [{ type: 'text', text: 'still here' }] },
    });
  });
}

describe('a malformed request to the in-process gateway', () => {
  let gateway: Gateway;
  let wire: Wire;
  beforeAll(async () => {
    gateway = await createGateway({ upstream: stdioFixture('upstream-server.ts') });
    const [client, server] = InMemoryTransport.createLinkedPair();
    const book = answerBook();
    client.onmessage = (message) => book.seen(message);
    await gateway.connect(server);
    await client.start();
    wire = { send: (message) => void client.send(message as JSONRPCMessage), answer: book.answer };
    await handshake(wire);
  });
  afterAll(() => gateway.close({ drainTimeoutMs: 0 }));
  expectEveryAnswer(() => wire);
});

describe('a malformed line to the stdio proxy', () => {
  let spawned: SpawnedGateway;
  let wire: Wire;
  beforeAll(async () => {
    spawned = spawnGateway(['proxy', '--', ...UPSTREAM]);
    const book = answerBook();
    createInterface({ input: spawned.child.stdout! }).on('line', (line) =>
      book.seen(JSON.parse(line) as Raw),
    );
    wire = {
      send: (message) => void spawned.child.stdin!.write(`${JSON.stringify(message)}\n`),
      answer: book.answer,
    };
    await handshake(wire);
  });
  afterAll(() => stopGateway(spawned));
  expectEveryAnswer(() => wire);
});

describe('a malformed body to the HTTP listener', () => {
  let gateway: Gateway;
  let session = '';
  const post = async (body: Raw): Promise<{ status: number; text: string }> => {
    const response = await fetch(gateway.url as URL, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(session !== '' && { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }),
      },
      body: JSON.stringify(body),
    });
    session = response.headers.get('mcp-session-id') ?? session;
    return { status: response.status, text: await response.text() };
  };
  beforeAll(async () => {
    gateway = await createGateway({
      upstream: stdioFixture('upstream-server.ts'),
      listen: 'http://127.0.0.1:0/mcp',
    });
    await post(initializeRequest({ name: 'raw', version: '1' }, { id: 0, protocolVersion: '2025-11-25' }));
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  });
  afterAll(() => gateway.close({ drainTimeoutMs: 0 }));

  // The SDK's HTTP transport checks each body before anything runs, and answers it with HTTP 400.
  it.each(CASES)('answers $request with a JSON-RPC error', async ({ request }) => {
    const { status, text } = await post(request);
    expect(status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number) as number } });
  });

  it('goes on serving the same session after every one of them', async () => {
    const { text } = await post(VALID_CALL);
    expect(text).toContain('still here');
  });
});
