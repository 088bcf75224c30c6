// The README's snippets, verbatim, run against the real SDK: if they stop compiling or working, this fails.
// #region imports
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { when, withMiddleware } from '@mcp-middleware/core';
import { concurrencyLimit, rateLimit, rateLimitRedisStore } from '@mcp-middleware/ratelimit';
import { Redis } from 'ioredis';
import { z } from 'zod';
// #endregion
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_META_KEY } from '@mcp-middleware/core';
import { connectInMemory, manualClock } from '@mcp-middleware/core/testing';

// #region smallest-usage
function createServer(): McpServer {
  const server = withMiddleware(new McpServer({ name: 'search', version: '1.0.0' }), [
    rateLimit({ limit: 30, windowMs: 60_000 }), // 30 calls a minute per principal and tool
  ]);
  server.registerTool('search', { inputSchema: { query: z.string() } }, ({ query }) => ({
    content: [{ type: 'text', text: `results for ${query}` }],
  }));
  return server;
}
// #endregion

// #region redis
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  retryStrategy: (attempt) => Math.min(attempt * 50, 500), // reconnect soon after Redis returns
});
redis.on('error', () => {}); // outages reach rateLimit through onStoreError; log them there

const shared = rateLimit({
  limit: 100,
  windowMs: 60_000, // whole seconds on Redis
  store: rateLimitRedisStore({ client: redis, prefix: 'my-server:ratelimit' }),
  onStoreError: 'memory-fallback', // the default: keep limiting per replica while Redis is away
});
// #endregion

// #region per-tool
const pipeline = [
  rateLimit({
    limit: 60,
    keyBy: ['principal', 'tool'],
    cost: (ctx) => (ctx.tool.name === 'export_all' ? 10 : 1), // expensive tools spend more
  }),
  when('export_*', concurrencyLimit({ max: 2, queue: 10, queueTimeoutMs: 5_000 })),
];
// #endregion

// #region testing
async function rejectsTheSecondCall(): Promise<CallToolResult> {
  const clock = manualClock();
  const server = new McpServer({ name: 'test', version: '1.0.0' });
  withMiddleware(server, [rateLimit({ limit: 1 })], { clock });
  server.registerTool('ping', {}, () => ({ content: [{ type: 'text', text: 'pong' }] }));
  const { client, close } = await connectInMemory(server);
  await client.callTool({ name: 'ping' });
  const second = (await client.callTool({ name: 'ping' })) as CallToolResult; // isError: RATE_LIMITED
  await clock.advance(60_000); // the window passes without sleeping
  await client.callTool({ name: 'ping' }); // admitted again
  await close();
  return second;
}
// #endregion

afterAll(async () => {
  const keys = await redis.keys('my-server:ratelimit:*');
  if (keys.length > 0) await redis.unlink(...keys);
  await redis.quit();
});

const call = (server: McpServer, name: string) =>
  connectInMemory(server).then(async ({ client, close }) => {
    const result = (await client.callTool({ name, arguments: { query: 'q' } })) as CallToolResult;
    await close();
    return result;
  });

describe('README examples', () => {
  it('runs the smallest usage', async () => {
    const result = await call(createServer(), 'search');
    expect(result.content).toEqual([{ type: 'text', text: 'results for q' }]);
  });

  it('limits through Redis', async () => {
    const server = withMiddleware(new McpServer({ name: 'shared', version: '1.0.0' }), [shared]);
    server.registerTool('search', { inputSchema: { query: z.string() } }, () => ({ content: [] }));
    const result = await call(server, 'search');
    expect(result.isError).toBeUndefined();
    expect(await redis.keys('my-server:ratelimit:*')).toHaveLength(1);
  });

  it('charges export_all ten points and bounds export_* concurrency', async () => {
    const server = withMiddleware(new McpServer({ name: 'exports', version: '1.0.0' }), pipeline);
    server.registerTool('export_all', { inputSchema: { query: z.string() } }, () => ({ content: [] }));
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await call(server, 'export_all'));
    expect(results.map((r) => r.isError ?? false)).toEqual([false, false, false, false, false, false, true]);
  });

  it('tests a limit on a manual clock', async () => {
    const second = await rejectsTheSecondCall();
    expect(second._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('limits resource reads when operations lists them', () => {
    const limiter =
      // README: Other requests
      rateLimit({ limit: 100, operations: ['tools/call', 'resources/read'] });
    expect(Object.keys(limiter.requests ?? {})).toEqual(['resources/read']);
  });
});
