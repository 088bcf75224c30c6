// The README's snippets, verbatim, run against the real SDK and real Redis: if they rot, this fails.
// #region imports
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { withMiddleware } from '@mcp-middleware/core';
import { cache } from '@mcp-middleware/cache';
import { z } from 'zod';
// #endregion
// #region redis-imports
import { Redis } from 'ioredis';
import { cacheRedisStore, type CacheMiddleware } from '@mcp-middleware/cache';
// #endregion
// #region events-imports
import { EventChannel } from '@mcp-middleware/core';
// #endregion
import { connectInMemory } from '@mcp-middleware/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_META_KEY } from './marked.js';

const searchIndex = (query: string): Promise<string> => Promise.resolve(`3 pages about ${query}`);

// #region smallest-usage
function createServer(): McpServer {
  const server = withMiddleware(new McpServer({ name: 'docs', version: '1.0.0' }), [
    cache({ ttlMs: 30_000 }),
  ]);
  server.registerTool(
    'search_docs',
    { inputSchema: { query: z.string() }, annotations: { readOnlyHint: true } },
    async ({ query }) => ({ content: [{ type: 'text', text: await searchIndex(query) }] }),
  );
  return server;
}
// #endregion

// #region redis
function sharedCache(redis: Redis): CacheMiddleware {
  return cache({ ttlMs: 60_000, store: cacheRedisStore({ client: redis, prefix: 'docs-server:cache:' }) });
}
// #endregion

// #region scope
const perToolScope = cache({
  scope: (tool) => (tool.name === 'exchange_rates' ? 'shared' : 'principal'),
});
// #endregion

// #region cacheable
const chosenTools = cache({ cacheable: ['search_*', 'get_weather'], staleWhileRevalidateMs: 30_000 });
// #endregion

// #region invalidate
async function onDocsPublished(cached: CacheMiddleware): Promise<void> {
  await cached.invalidate({ tool: 'search_docs' }); // every principal's entries of one tool
}
// #endregion

// #region events
function countHits(server: McpServer): { hits: number; misses: number } {
  const counts = { hits: 0, misses: 0 };
  const events = new EventChannel();
  events.subscribe((event) => {
    if (event.type === 'cache' && event.result === 'hit') counts.hits++;
    if (event.type === 'cache' && event.result === 'miss') counts.misses++;
  });
  withMiddleware(server, [cache()], { events });
  return counts;
}
// #endregion

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
// The snippet's prefix is fixed, so clear it before (a crashed earlier run) and after.
const clear = async (): Promise<void> => {
  const keys = await redis.keys('docs-server:cache:*');
  if (keys.length > 0) await redis.unlink(...keys);
};
beforeAll(clear);
afterAll(async () => {
  await clear();
  await redis.quit();
});

function readOnlyTool(server: McpServer, name: string, runs: { count: number }): void {
  server.registerTool(
    name,
    { inputSchema: { q: z.string() }, annotations: { readOnlyHint: true } },
    ({ q }) => {
      runs.count++;
      return { content: [{ type: 'text', text: `${name}:${q}` }] };
    },
  );
}

describe('README examples', () => {
  it('serves the second identical search from the cache', async () => {
    const { client, close } = await connectInMemory(createServer());
    await client.callTool({ name: 'search_docs', arguments: { query: 'otters' } });
    const second = await client.callTool({ name: 'search_docs', arguments: { query: 'otters' } });
    await close();
    expect(second._meta?.[CACHE_META_KEY]).toMatchObject({ hit: true });
  });

  it('shares entries through Redis between two servers', async () => {
    const runs = { count: 0 };
    const servers = [0, 1].map(() => {
      const server = withMiddleware(new McpServer({ name: 'docs', version: '1.0.0' }), [sharedCache(redis)]);
      readOnlyTool(server, 'search_docs', runs);
      return server;
    });
    const a = await connectInMemory(servers[0] as McpServer);
    const b = await connectInMemory(servers[1] as McpServer);
    await a.client.callTool({ name: 'search_docs', arguments: { q: 'readme-redis' } });
    const fromB = await b.client.callTool({ name: 'search_docs', arguments: { q: 'readme-redis' } });
    await Promise.all([a.close(), b.close()]);
    expect(fromB._meta?.[CACHE_META_KEY]).toMatchObject({ hit: true });
    expect(runs.count).toBe(1);
  });

  it('shares one tool across principals and keeps the others per principal', async () => {
    const runs = { count: 0 };
    const server = withMiddleware(new McpServer({ name: 'fx', version: '1.0.0' }), [perToolScope]);
    readOnlyTool(server, 'exchange_rates', runs);
    let clientId = 'alice';
    const { client, close } = await connectInMemory(server, {
      authInfo: () => ({ token: 't', clientId, scopes: [] }),
    });
    await client.callTool({ name: 'exchange_rates', arguments: { q: 'EUR' } });
    clientId = 'bob';
    const bob = await client.callTool({ name: 'exchange_rates', arguments: { q: 'EUR' } });
    await close();
    expect(bob._meta?.[CACHE_META_KEY]).toMatchObject({ hit: true });
  });

  it('caches the tools a glob names, read-only or not', async () => {
    const runs = { count: 0 };
    const server = withMiddleware(new McpServer({ name: 'w', version: '1.0.0' }), [chosenTools]);
    server.registerTool('get_weather', { inputSchema: { q: z.string() } }, ({ q }) => {
      runs.count++;
      return { content: [{ type: 'text', text: q }] };
    });
    const { client, close } = await connectInMemory(server);
    await client.callTool({ name: 'get_weather', arguments: { q: 'Oslo' } });
    await client.callTool({ name: 'get_weather', arguments: { q: 'Oslo' } });
    await close();
    expect(runs.count).toBe(1);
  });

  it('invalidates a tool so the next call runs it again', async () => {
    const runs = { count: 0 };
    const cached = cache();
    const server = withMiddleware(new McpServer({ name: 'docs', version: '1.0.0' }), [cached]);
    readOnlyTool(server, 'search_docs', runs);
    const { client, close } = await connectInMemory(server);
    await client.callTool({ name: 'search_docs', arguments: { q: 'x' } });
    await onDocsPublished(cached);
    await client.callTool({ name: 'search_docs', arguments: { q: 'x' } });
    await close();
    expect(runs.count).toBe(2);
  });

  it('counts hits and misses from the events', async () => {
    const server = new McpServer({ name: 'docs', version: '1.0.0' });
    const counts = countHits(server);
    readOnlyTool(server, 'search_docs', { count: 0 });
    const { client, close } = await connectInMemory(server);
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'search_docs', arguments: { q: 'x' } });
    await close();
    expect(counts).toEqual({ hits: 2, misses: 1 });
  });

  it('caches resource reads when operations lists them', () => {
    const middleware =
      // README: Resource reads
      cache({ operations: ['tools/call', 'resources/read'] });
    expect(Object.keys(middleware.requests ?? {})).toEqual(['resources/read']);
  });
});
