// A `subscriptions/listen` naming more resource URIs than the gateway ever hears for one stream is refused
// up front: a real SDK 1.32 upstream over HTTP (2025-11-25 only, so a listen's URIs would be subscribed on
// the gateway's 2025 connection), the real gateway with a pipeline step counting every request it runs, and
// raw 2026-07-28 POSTs. The refusal names the field and the limit, runs no pipeline step (not one
// `resources/subscribe` per URI) and subscribes nothing upstream; a listen at the limit is admitted.
// The limit holds for the gateway's listens together too: a listen whose new URIs would pass it is refused
// (not admitted and left unheard), URIs already held are shared, and a closed listen frees its URIs.
import { defineMiddleware, type Middleware } from '@mcp-middleware/core';
import { createGateway, type Gateway } from '@mcp-middleware/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModernClients, postModern } from './fixtures/modern-client.js';
import { text } from './fixtures/upstream-helpers.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';

/** The most URIs one listen may name (MAX_LISTENED_URIS in packages/cli/src/modern-http.ts). */
const LIMIT = 1000;

const ran: string[] = [];
const counting: Middleware = defineMiddleware('counting', {
  requests: {
    '*': (ctx, next) => {
      ran.push(ctx.operation);
      return next();
    },
  },
});

let upstream: HttpUpstreamFixture;
let gateway: Gateway;
const clients = new ModernClients('listen-limit');

beforeAll(async () => {
  upstream = await startHttpUpstream();
  gateway = await createGateway({
    upstream: { url: upstream.url.href },
    listen: 'http://127.0.0.1:0/mcp',
    pipeline: [counting],
  });
}, 60_000);

afterAll(async () => {
  await clients.closeAll();
  await gateway?.close({ drainTimeoutMs: 0 });
  await upstream?.kill();
});

const uris = (count: number): string[] => Array.from({ length: count }, (_, i) => `fixture://many/${i}`);

describe('a listen naming more URIs than the gateway hears for one stream', () => {
  it.each([LIMIT + 1, 20_000])(
    'is refused -32602 naming the field and the limit, before any pipeline step or upstream request (%i URIs)',
    async (count) => {
      ran.length = 0;
      const answer = await postModern(gateway.url as URL, 'subscriptions/listen', {
        notifications: { resourceSubscriptions: uris(count) },
      });
      expect(answer.body['error']).toMatchObject({ code: -32602, data: { limit: LIMIT } });
      const message = (answer.body['error'] as { message: string }).message;
      expect(message).toContain(`params.notifications.resourceSubscriptions names ${count} URIs`);
      expect(message).toContain(`at most ${LIMIT}`);
      expect(ran).toEqual([]);
      const client = await clients.connect(gateway.url as URL);
      const subscribed = await client.callTool({ name: 'subscriptions', arguments: {} });
      expect(JSON.parse(text(subscribed))).toEqual([]);
    },
  );

  it('admits a listen naming exactly the limit, each URI through the steps of resources/subscribe', async () => {
    ran.length = 0;
    const client = await clients.connect(gateway.url as URL);
    await client.listen({ resourceSubscriptions: uris(LIMIT) });
    expect(ran.filter((operation) => operation === 'resources/subscribe')).toHaveLength(LIMIT);
    expect(ran.filter((operation) => operation === 'subscriptions/listen')).toHaveLength(1);
  });
});

describe('the listens together', () => {
  let first: Awaited<ReturnType<ModernClients['connect']>>;

  beforeAll(async () => {
    await clients.closeAll();
    first = await clients.connect(gateway.url as URL);
    await first.listen({ resourceSubscriptions: uris(LIMIT) });
  });

  it('admit another listen naming only URIs a listen already holds', async () => {
    const second = await clients.connect(gateway.url as URL);
    await expect(second.listen({ resourceSubscriptions: uris(10) })).resolves.toBeDefined();
  });

  it('refuse a listen whose new URIs would pass the limit before any pipeline step, not saying what others hold', async () => {
    ran.length = 0;
    const answer = await postModern(gateway.url as URL, 'subscriptions/listen', {
      notifications: { resourceSubscriptions: ['fixture://fresh/0', uris(1)[0]] },
    });
    expect(answer.body['error']).toEqual({
      code: -32603,
      message:
        'the gateway cannot listen for the 1 new resource URIs this listen names: it listens for at most ' +
        `${LIMIT} for all listen streams together. Name fewer new URIs, or listen again once other listens have closed`,
      data: { limit: LIMIT, adding: 1 },
    });
    expect(ran).toEqual([]);
  });

  it('free the URIs of a listen that closed, so a listen of new URIs is admitted', async () => {
    await clients.closeAll();
    const later = await clients.connect(gateway.url as URL);
    // The release runs when the gateway sees the stream's response close: poll until it has.
    await expect
      .poll(async () => {
        try {
          await later.listen({ resourceSubscriptions: ['fixture://fresh/1'] });
          return 'admitted';
        } catch (error) {
          return String(error);
        }
      })
      .toBe('admitted');
  });
});
