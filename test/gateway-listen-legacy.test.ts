// A 2025-11-25-only upstream (SDK 1.32 over stdio) behind the gateway, and 2026-07-28 clients that open
// subscriptions/listen for its resources: the gateway subscribes each URI once on its 2025 connection, counted
// with the 2025 sessions' subscriptions, relays each update to exactly the listen streams and sessions that
// hold its URI, unsubscribes when the last one leaves, and subscribes again after the upstream restarts. Over
// a stdio upstream (one connection shared with the 2025 sessions) and an HTTP one (where it is the gateway's
// shared upstream session that subscribes for the listen streams).
import { Client, StreamableHTTPClientTransport, type McpSubscription } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway, type GatewayEvent } from '@mcp-middleware/cli';
import { stdioFixture } from './fixtures/stdio-fixture.js';
import { text } from './fixtures/upstream-helpers.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';

const A = 'doc://a';
const B = 'doc://b';
const POLL = { timeout: 20_000, interval: 100 };

/** A 2026-07-28 client with an open listen stream, and the updates it heard. */
interface Listener {
  readonly client: Client;
  readonly subscription: McpSubscription;
  readonly updates: string[];
}

let gateway: Gateway;
let legacy: V1Client;
const legacyUpdates: string[] = [];
const events: GatewayEvent[] = [];
const clients: Client[] = [];

async function listener(uris: string[], at: Gateway = gateway): Promise<Listener> {
  const client = new Client({ name: 'listener', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  const updates: string[] = [];
  client.setNotificationHandler('notifications/resources/updated', (n) => {
    updates.push(n.params.uri);
  });
  await client.connect(new StreamableHTTPClientTransport(at.url as URL));
  clients.push(client);
  expect(client.getProtocolEra()).toBe('modern');
  const subscription = await client.listen({ resourceSubscriptions: uris });
  return { client, subscription, updates };
}

/** Every resources/subscribe and unsubscribe the current upstream process answered, in order. */
async function upstreamLog(): Promise<string[]> {
  return JSON.parse(text(await legacy.callTool({ name: 'log', arguments: {} }))) as string[];
}

const touch = (uri: string): Promise<unknown> => legacy.callTool({ name: 'touch', arguments: { uri } });

beforeAll(async () => {
  gateway = await createGateway({
    upstream: stdioFixture('upstream-subscribable.ts'),
    listen: 'http://127.0.0.1:0/mcp',
    restart: { delayMs: 50 },
    onEvent: (event) => events.push(event),
  });
  legacy = new V1Client({ name: 'session', version: '1.0.0' });
  legacy.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    legacyUpdates.push(n.params.uri);
  });
  await legacy.connect(new V1Transport(gateway.url as URL));
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await legacy?.close().catch(() => undefined);
  await gateway?.close({ drainTimeoutMs: 0 });
});

describe('subscriptions/listen in front of a 2025-only upstream', () => {
  let a: Listener;
  let b: Listener;

  it('subscribes a URI upstream once for a 2025 session and a listen stream that both hold it', async () => {
    await legacy.subscribeResource({ uri: A });
    a = await listener([A]);
    b = await listener([B]);
    await expect.poll(upstreamLog, POLL).toContain(`subscribe ${B}`);
    expect(await upstreamLog()).toEqual([`subscribe ${A}`, `subscribe ${B}`]);
  });

  it('relays an update to the listen stream and the session holding its URI, and to no other', async () => {
    await touch(A);
    await expect.poll(() => [a.updates, legacyUpdates], POLL).toEqual([[A], [A]]);
    // B hears its own URI after A's update was relayed: had A's reached B, it would have come first.
    await touch(B);
    await expect.poll(() => b.updates, POLL).toEqual([B]);
    expect([a.updates, legacyUpdates]).toEqual([[A], [A]]);
  });

  it('unsubscribes a URI upstream only when its last holder leaves, a disconnected client included', async () => {
    await legacy.unsubscribeResource({ uri: A });
    expect(await upstreamLog()).not.toContain(`unsubscribe ${A}`);
    await a.subscription.close();
    await expect.poll(upstreamLog, POLL).toContain(`unsubscribe ${A}`);
    // B's client goes away without closing its stream first.
    await b.client.close();
    await expect.poll(upstreamLog, POLL).toContain(`unsubscribe ${B}`);
    expect(await upstreamLog()).toEqual([
      `subscribe ${A}`,
      `subscribe ${B}`,
      `unsubscribe ${A}`,
      `unsubscribe ${B}`,
    ]);
  });

  it('refuses a listen that would take the streams together past 1000 URIs, and releases them all when they close', async () => {
    // One listen may name at most 1000 (more is refused: test/gateway-listen-limit.test.ts); together
    // they may not pass it either: the listen that would is refused, not admitted and left unheard.
    const many = (from: number, count: number): string[] =>
      Array.from({ length: count }, (_, i) => `doc://many/${from + i}`);
    const first = await listener(many(0, 600));
    await expect(listener(many(600, 401))).rejects.toThrow(
      'it listens for at most 1000 for all listen streams',
    );
    const second = await listener(many(600, 400));
    const subscribes = async (): Promise<string[]> =>
      (await upstreamLog()).filter((line) => line.startsWith('subscribe doc://many/'));
    await expect.poll(async () => (await subscribes()).length, POLL).toBe(1000);
    expect(await subscribes()).not.toContain('subscribe doc://many/1000');
    await first.subscription.close();
    await second.subscription.close();
    const unsubscribes = async (): Promise<number> =>
      (await upstreamLog()).filter((line) => line.startsWith('unsubscribe doc://many/')).length;
    await expect.poll(unsubscribes, POLL).toBe(1000);
  });

  it("relays the 2025 connection's prompt and resource list changes to the streams that asked", async () => {
    const client = new Client({ name: 'lists', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    const heard: string[] = [];
    client.fallbackNotificationHandler = (n) => {
      if (n.method.endsWith('/list_changed')) heard.push(n.method);
      return Promise.resolve();
    };
    await client.connect(new StreamableHTTPClientTransport(gateway.url as URL));
    clients.push(client);
    const lists = await client.listen({ promptsListChanged: true, resourcesListChanged: true });
    await legacy.callTool({ name: 'announce', arguments: {} });
    await expect
      .poll(() => [...heard].sort(), POLL)
      .toEqual(['notifications/prompts/list_changed', 'notifications/resources/list_changed']);
    await lists.close();
  });

  it('subscribes what is still listened again on the restarted upstream, and relays its updates', async () => {
    const c = await listener([A]);
    await expect.poll(async () => (await upstreamLog()).at(-1), POLL).toBe(`subscribe ${A}`);
    await legacy.callTool({ name: 'crash', arguments: {} }).catch(() => undefined);
    await expect
      .poll(() => events.some((e) => e.type === 'upstream-connected' && e.restart), POLL)
      .toBe(true);
    await expect.poll(upstreamLog, POLL).toEqual([`subscribe ${A}`]);
    await touch(A);
    await expect.poll(() => c.updates, POLL).toEqual([A]);
    expect(legacyUpdates).toEqual([A]);
  });
});

describe('subscriptions/listen in front of a 2025-only HTTP upstream', () => {
  const GREETING = 'fixture://greeting';
  const OTHER = 'fixture://other';
  let upstream: HttpUpstreamFixture;
  let front: Gateway;
  let caller: Listener;

  /** The URIs the gateway's shared upstream session is subscribed to (asked on that session). */
  async function subscribed(): Promise<string[]> {
    const result = await caller.client.callTool({ name: 'subscriptions', arguments: {} });
    return (JSON.parse(text(result)) as string[]).sort();
  }

  beforeAll(async () => {
    upstream = await startHttpUpstream();
    front = await createGateway({ upstream: { url: upstream.url.href }, listen: 'http://127.0.0.1:0/mcp' });
    // A 2026 client that declares nothing: its calls go on the gateway's shared upstream session.
    caller = await listener([], front);
  }, 60_000);

  afterAll(async () => {
    await front?.close({ drainTimeoutMs: 0 });
    await upstream?.kill();
  });

  it('subscribes, relays to exactly the streams that named the URI, and unsubscribes when they close', async () => {
    const one = await listener([GREETING], front);
    const two = await listener([OTHER], front);
    await expect.poll(subscribed, POLL).toEqual([GREETING, OTHER]);
    await caller.client.callTool({ name: 'touch', arguments: { uri: GREETING } });
    await expect.poll(() => one.updates, POLL).toEqual([GREETING]);
    await caller.client.callTool({ name: 'touch', arguments: { uri: OTHER } });
    await expect.poll(() => two.updates, POLL).toEqual([OTHER]);
    expect([one.updates, caller.updates]).toEqual([[GREETING], []]);
    await one.subscription.close();
    await expect.poll(subscribed, POLL).toEqual([OTHER]);
    await two.client.close();
    await expect.poll(subscribed, POLL).toEqual([]);
  });
});
