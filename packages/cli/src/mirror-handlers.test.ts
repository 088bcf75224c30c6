import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { createToolRunner, defineMiddleware, type Middleware } from '@mcp-middleware/core';
import { createTestExtra } from '@mcp-middleware/core/testing';
import { forwardParams, MirrorHandlers, type MirrorHost, type MirrorHub } from './mirror-handlers.js';
import { newSession, type Session } from './session.js';
import type { UpstreamConnection } from './upstream.js';

const session = newSession({} as never);

interface Fixture {
  readonly handlers: MirrorHandlers;
  /** What the hub was asked, in order. */
  readonly calls: unknown[];
}

function fixture(client: Partial<Client> | undefined, pipeline: Middleware[] = []): Fixture {
  const calls: unknown[] = [];
  const connection = client === undefined ? undefined : ({ client } as UpstreamConnection);
  const hub: MirrorHub = {
    connectionFor: () => Promise.resolve(connection),
    track: <T>(s: Session, id: unknown, work: () => Promise<T>) => (calls.push(['track', s, id]), work()),
    setLevel: (s, level) => (calls.push(['setLevel', s, level]), Promise.resolve()),
    subscribe: (s, uri) => (calls.push(['subscribe', s, uri]), Promise.resolve()),
    unsubscribe: (s, uri) => (calls.push(['unsubscribe', s, uri]), Promise.resolve()),
    send: (s, notification) => void calls.push(['send', s, notification.method]),
  };
  const host: MirrorHost = {
    hub,
    tools: () => Promise.resolve([{ name: 'search', inputSchema: { type: 'object' } }]),
    callTool: () => Promise.resolve({ content: [] }),
    requestTimeoutMs: 1234,
    runner: createToolRunner(pipeline),
  };
  return { handlers: new MirrorHandlers(host, session), calls };
}

const read = (handlers: MirrorHandlers) =>
  handlers.upstream('resources/read', (client, params: { uri: string }, options) =>
    client.readResource(params, options),
  );

describe('MirrorHandlers', () => {
  it('refuses with an InternalError while the session has no upstream connection', async () => {
    const { handlers } = fixture(undefined);
    const failure = read(handlers)({ params: { uri: 'a://1' } }, createTestExtra());
    await expect(failure).rejects.toMatchObject({ code: ErrorCode.InternalError });
  });

  it('asks upstream without the client progress token and with the request timeout', async () => {
    const asked: unknown[] = [];
    const client = {
      readResource: (params: unknown, options: unknown) => (
        asked.push(params, options),
        Promise.resolve({ contents: [] })
      ),
    };
    const { handlers } = fixture(client);
    const params = { uri: 'a://1', _meta: { progressToken: 9 } };
    expect(await read(handlers)({ params }, createTestExtra())).toEqual({ contents: [] });
    expect(asked).toEqual([{ uri: 'a://1' }, expect.objectContaining({ timeout: 1234 })]);
  });

  it("tracks the request as the session's own while it runs", async () => {
    const client = { readResource: () => Promise.resolve({ contents: [] }) };
    const { handlers, calls } = fixture(client);
    await read(handlers)({ params: { uri: 'a://1' } }, createTestExtra({ requestId: 41 }));
    expect(calls).toEqual([['track', session, 41]]);
  });

  it('runs the pipeline step for the method before asking upstream', async () => {
    const refused = new McpError(ErrorCode.InvalidParams, 'not this resource');
    const refuse = defineMiddleware('refuse', {
      requests: { 'resources/read': () => Promise.reject(refused) },
    });
    let asked = false;
    const client = { readResource: () => ((asked = true), Promise.resolve({ contents: [] })) };
    const { handlers } = fixture(client, [refuse]);
    await expect(read(handlers)({ params: { uri: 'a://1' } }, createTestExtra())).rejects.toBe(refused);
    expect(asked).toBe(false);
  });

  it("passes an upstream's JSON-RPC error on with its own code and message", async () => {
    const upstreamError = new McpError(-32002, 'resource not found', { uri: 'a://1' });
    const client = { readResource: () => Promise.reject(upstreamError) };
    const { handlers } = fixture(client);
    const failure = read(handlers)({ params: { uri: 'a://1' } }, createTestExtra());
    await expect(failure).rejects.toMatchObject({ code: -32002, message: 'resource not found' });
  });

  it("lists the session's tools", async () => {
    const { handlers } = fixture(undefined);
    const listed = await handlers.listTools()({}, createTestExtra());
    expect(listed.tools.map((t) => t.name)).toEqual(['search']);
  });

  it('subscribes and unsubscribes through the hub, for this session', async () => {
    const { handlers, calls } = fixture(undefined);
    const extra = createTestExtra({ requestId: 5 });
    await handlers.subscribe()({ params: { uri: 'a://1' } }, extra);
    await handlers.unsubscribe()({ params: { uri: 'a://1' } }, extra);
    expect(calls.filter((c) => (c as unknown[])[0] !== 'track')).toEqual([
      ['subscribe', session, 'a://1'],
      ['unsubscribe', session, 'a://1'],
    ]);
  });

  it('passes a roots change on to the upstream connection, and drops it while there is none', async () => {
    let sent = 0;
    const client = { sendRootsListChanged: () => ((sent += 1), Promise.resolve()) };
    await fixture(client).handlers.rootsChanged();
    await fixture(undefined).handlers.rootsChanged();
    expect(sent).toBe(1);
  });
});

describe('forwardParams', () => {
  it('gives back params without a progress token unchanged', () => {
    const params = { uri: 'a://1', _meta: { other: 1 } };
    expect(forwardParams(params)).toBe(params);
  });

  it('drops the client progress token and an emptied _meta', () => {
    expect(forwardParams({ uri: 'a://1', _meta: { progressToken: 3 } })).toEqual({ uri: 'a://1' });
    expect(forwardParams({ uri: 'a://1', _meta: { progressToken: 3, other: 1 } })).toEqual({
      uri: 'a://1',
      _meta: { other: 1 },
    });
  });
});
