// The README's snippets, verbatim, run against the real SDK and real Redis: if they rot, this fails.
// #region imports
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { withMiddleware } from '@mcp-middleware/core';
import { idempotency } from '@mcp-middleware/idempotency';
import { z } from 'zod';
// #endregion
// #region redis-imports
import { Redis } from 'ioredis';
import { redisStore } from '@mcp-middleware/idempotency';
// #endregion
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectInMemory } from '@mcp-middleware/core/testing';
import { afterAll, describe, expect, it } from 'vitest';

let charges = 0;
const charge = (amount: number): Promise<string> => Promise.resolve(`charged ${amount} (#${++charges})`);

// #region smallest-usage
function createServer(): McpServer {
  const server = withMiddleware(new McpServer({ name: 'billing', version: '1.0.0' }), [idempotency()]);
  server.registerTool(
    'create_invoice',
    { inputSchema: { amount: z.number() }, annotations: { readOnlyHint: false } },
    async ({ amount }) => ({ content: [{ type: 'text', text: await charge(amount) }] }),
  );
  return server;
}
// #endregion

// #region client
async function pay(client: Client, key: string): Promise<unknown> {
  return client.callTool({
    name: 'create_invoice',
    arguments: { amount: 10 },
    _meta: { 'io.github.mcp-middleware/idempotency-key': key },
  });
}
// #endregion

// #region redis
function sharedKeys(redis: Redis) {
  return idempotency({ store: redisStore({ client: redis, prefix: 'billing:idempotency:' }) });
}
// #endregion

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
afterAll(async () => {
  const keys = await redis.keys('billing:idempotency:*');
  if (keys.length > 0) await redis.unlink(...keys);
  await redis.quit();
});

describe('README examples', () => {
  it('charges once for a payment retried with the same key', async () => {
    const { client, close } = await connectInMemory(createServer());
    const before = charges;
    await pay(client, 'f2b1c0de-0001');
    await pay(client, 'f2b1c0de-0001');
    expect(charges - before).toBe(1);
    await close();
  });

  it('builds the Redis-backed middleware', () => {
    expect(typeof sharedKeys(redis)).toBe('function');
  });
});
