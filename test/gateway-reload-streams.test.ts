// A reload that revokes a credential cuts what that credential opened, not only what it asks next: a 2025
// session's GET stream, a 2025 POST still streaming and a 2026-07-28 subscriptions/listen stream admitted with
// a removed API key end once the new front door is in service (and the 2025 session ends with them), while
// the same streams opened with a key that stays keep hearing notifications. A reload whose credentials
// still admit everyone closes nothing. The same for bearer JWTs when a reload changes the keys they verify with.
import { Client as ModernClient, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '@mcp-middleware/auth';
import { createGateway, type Gateway, type GatewayEvent } from '@mcp-middleware/cli';
import { startIssuer, type TestIssuer } from './fixtures/auth-issuer.js';
import { ROOT, UPSTREAM } from './fixtures/gateway-spawn.js';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
const KEY_C = 'key-c-0123456789abcdef';
const CHANGED = 'notifications/tools/list_changed';
const POLL = { timeout: 20_000, interval: 50 };

const keys = (...pairs: (readonly [string, string])[]): Record<string, unknown> => ({
  apiKeys: { keys: pairs.map(([id, key]) => ({ id, sha256: hashApiKey(key) })) },
});

/** What an SSE response body carried so far, and when it ended (by its server or the network). */
interface Heard {
  readonly count: (method: string) => number;
  readonly ended: Promise<void>;
}

function hear(response: Response): Heard {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // A destroyed connection ends the stream as well.
    }
  })();
  return { count: (method) => text.split(`"method":"${method}"`).length - 1, ended };
}

let gateway: Gateway;
let url: URL;
const events: GatewayEvent[] = [];
const closers: (() => Promise<unknown>)[] = [];

/** Starts the gateway over HTTP with `auth` as its front door's credentials. */
async function start(auth: Record<string, unknown>): Promise<void> {
  events.length = 0;
  gateway = await createGateway({
    upstream: { command: UPSTREAM[0] as string, args: UPSTREAM.slice(1), cwd: ROOT },
    listen: 'http://127.0.0.1:0/mcp',
    auth,
    onEvent: (event) => events.push(event),
  });
  url = gateway.url as URL;
}

afterEach(async () => {
  for (const close of closers.splice(0)) await close().catch(() => undefined);
  await gateway.close({ drainTimeoutMs: 0 });
});

/** A credential as its header: an API key in x-api-key, a JWT as a bearer token. */
const credential = (key: string): Record<string, string> =>
  key.split('.').length === 3 ? { authorization: `Bearer ${key}` } : { 'x-api-key': key };

function post(key: string, body: unknown, session?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...credential(key),
      ...(session !== undefined && {
        'mcp-session-id': session,
        'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
      }),
    },
    body: JSON.stringify(body),
  });
}

/** A 2025-11-25 session opened with `key`, and its GET stream. */
async function legacySession(key: string): Promise<{ id: string; stream: Heard }> {
  const init = await post(key, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: key, version: '1' },
    },
  });
  expect(init.status).toBe(200);
  const id = init.headers.get('mcp-session-id') as string;
  await init.text();
  expect((await post(key, { jsonrpc: '2.0', method: 'notifications/initialized' }, id)).status).toBe(202);
  const get = await fetch(url, {
    headers: {
      accept: 'text/event-stream',
      ...credential(key),
      'mcp-session-id': id,
      'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
    },
  });
  expect(get.status).toBe(200);
  return { id, stream: hear(get) };
}

/** A 2026-07-28 client with `key` holding a listen stream for tool list changes, and how many it heard. */
async function listener(key: string): Promise<{ heard: () => number; closed: Promise<string> }> {
  const client = new ModernClient({ name: key, version: '1' }, { versionNegotiation: { mode: 'auto' } });
  let heard = 0;
  client.setNotificationHandler(CHANGED, () => void heard++);
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: credential(key) } }));
  closers.push(() => client.close());
  expect(client.getProtocolEra()).toBe('modern');
  const subscription = await client.listen({ toolsListChanged: true });
  return { heard: () => heard, closed: subscription.closed };
}

/** A 2025 client with KEY_B that makes the upstream change its tool list. */
async function changer(): Promise<(name: string) => Promise<unknown>> {
  const client = new Client({ name: 'changer', version: '1' });
  await client.connect(new V1Transport(url, { requestInit: { headers: { 'x-api-key': KEY_B } } }));
  closers.push(() => client.close());
  return (name) => client.callTool({ name: 'add_tool', arguments: { name } });
}

/** The next `streams-rechecked` event. */
async function rechecked(): Promise<GatewayEvent> {
  await expect.poll(() => events.some((e) => e.type === 'streams-rechecked'), POLL).toBe(true);
  return events.find((e) => e.type === 'streams-rechecked') as GatewayEvent;
}

describe('a reload re-checks the streams the old front door admitted', { timeout: 90_000 }, () => {
  beforeEach(() => start(keys(['a', KEY_A], ['b', KEY_B])), 60_000);

  it('ends the streams and the session of a removed key, and keeps the others hearing', async () => {
    const [a, b, listenA, listenB, change] = await Promise.all([
      legacySession(KEY_A),
      legacySession(KEY_B),
      listener(KEY_A),
      listener(KEY_B),
      changer(),
    ]);
    const blocked = await post(
      KEY_A,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'block', arguments: {} } },
      a.id,
    );
    expect(blocked.status).toBe(200);
    const call = hear(blocked);
    await change('first');
    // A session's notifications travel on its request in flight when it has one (the blocked call).
    const heardByA = (): number => a.stream.count(CHANGED) + call.count(CHANGED);
    const everyone = () => [heardByA(), b.stream.count(CHANGED), listenA.heard(), listenB.heard()];
    await expect.poll(everyone, POLL).toEqual([1, 1, 1, 1]);

    gateway.replacePipeline([], { auth: keys(['b', KEY_B]) });
    expect(await rechecked()).toMatchObject({ closedStreams: 3, closedSessions: 1 });
    await Promise.all([a.stream.ended, call.ended]);
    expect(await listenA.closed).toBe('remote');
    // The session is gone (404 even with a key that passes), and the removed key is refused at the door.
    expect((await post(KEY_B, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, a.id)).status).toBe(404);
    expect((await post(KEY_A, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, a.id)).status).toBe(401);

    await change('second');
    await expect.poll(() => [b.stream.count(CHANGED), listenB.heard()], POLL).toEqual([2, 2]);
    expect([heardByA(), listenA.heard()]).toEqual([1, 1]);
  });

  it('closes nothing when every open credential still passes the new door', async () => {
    const [a, b, listenA, listenB, change] = await Promise.all([
      legacySession(KEY_A),
      legacySession(KEY_B),
      listener(KEY_A),
      listener(KEY_B),
      changer(),
    ]);
    gateway.replacePipeline([], { auth: keys(['a', KEY_A], ['b', KEY_B], ['c', KEY_C]) });
    expect(await rechecked()).toMatchObject({ closedStreams: 0, closedSessions: 0 });
    await change('after');
    const everyone = () => [
      a.stream.count(CHANGED),
      b.stream.count(CHANGED),
      listenA.heard(),
      listenB.heard(),
    ];
    await expect.poll(everyone, POLL).toEqual([1, 1, 1, 1]);
  });

  it('closes the streams opened without a credential when a reload adds the door', async () => {
    gateway.replacePipeline([], {});
    const open = await legacySession('not-a-key');
    gateway.replacePipeline([], { auth: keys(['b', KEY_B]) });
    expect(await rechecked()).toMatchObject({ closedStreams: 1, closedSessions: 1 });
    await open.stream.ended;
  });
});

describe(
  'a reload that changes the JWT keys re-checks the bearer tokens of open streams',
  { timeout: 90_000 },
  () => {
    const AUDIENCE = 'http://gateway.test/mcp';
    const issuers: TestIssuer[] = [];
    const jwtOf = (issuer: TestIssuer): Record<string, unknown> => ({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      algorithms: ['ES256'],
      jwksUri: issuer.jwksUri,
    });
    afterAll(async () => {
      await Promise.all(issuers.map((issuer) => issuer.close()));
    });

    it('closes the streams of tokens the new keys do not verify, and keeps them when the keys stay', async () => {
      const [issuer, other] = await Promise.all([
        startIssuer(AUDIENCE, 'ES256'),
        startIssuer(AUDIENCE, 'ES256'),
      ]);
      issuers.push(issuer, other);
      await start({ jwt: jwtOf(issuer) });
      const token = await issuer.sign();
      const [session, listening] = await Promise.all([legacySession(token), listener(token)]);

      // Same keys, one more way in: the token still passes, nothing closes.
      gateway.replacePipeline([], { auth: { jwt: jwtOf(issuer), apiKeys: keys(['b', KEY_B])['apiKeys'] } });
      expect(await rechecked()).toMatchObject({ closedStreams: 0, closedSessions: 0 });
      events.length = 0;

      // Another issuer's keys: the token's signature no longer verifies.
      gateway.replacePipeline([], { auth: { jwt: jwtOf(other) } });
      expect(await rechecked()).toMatchObject({ closedStreams: 2, closedSessions: 1 });
      await session.stream.ended;
      expect(await listening.closed).toBe('remote');
    });
  },
);
