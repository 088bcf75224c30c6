import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '@mcp-middleware/core';
import { redisStore, type RedisStoreOptions } from './redis-store.js';

const prefix = `mcp-middleware:test:redis-store:${process.pid}:${Date.now()}`;
const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });

beforeAll(async () => {
  await client.ping();
});

afterAll(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.unlink(...keys);
  await client.quit();
});

describe('redisStore', () => {
  it('requires an ioredis client', () => {
    expect(() => redisStore({} as RedisStoreOptions)).toThrow(ConfigError);
  });

  it('counts points in Redis under prefix and the limiter name', async () => {
    const counter = redisStore({ client, prefix }).bind({ limit: 3, windowMs: 10_000, name: 'counted' });
    const state = await counter.consume('k', 2, 0);
    expect(state).toMatchObject({ allowed: true, remaining: 1 });
    expect(await client.get(`${prefix}:counted:k`)).toBe('2');
  });

  it('refuses a call that does not fit and says how long the window has left', async () => {
    const counter = redisStore({ client, prefix }).bind({ limit: 3, windowMs: 10_000, name: 'refused' });
    await counter.consume('k', 2, 0);
    const state = await counter.consume('k', 2, 0);
    expect(state.allowed).toBe(false);
    expect(state.remaining).toBe(1);
    expect(state.resetInMs).toBeGreaterThan(0);
    expect(state.resetInMs).toBeLessThanOrEqual(10_000);
  });

  it('expires a key with its window', async () => {
    const counter = redisStore({ client, prefix }).bind({ limit: 3, windowMs: 10_000, name: 'expiring' });
    await counter.consume('k', 1, 0);
    const ttl = await client.pttl(`${prefix}:expiring:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('fails at once, without a round trip, while the client is closed', async () => {
    const closed = new Redis({ lazyConnect: true });
    closed.disconnect();
    const counter = redisStore({ client: closed }).bind({ limit: 3, windowMs: 1000, name: 'closed' });
    await expect(counter.consume('k', 1, 0)).rejects.toThrow('Redis is not connected (client status "end")');
  });

  it('keeps an unreachable client from printing "Unhandled error event", with one listener per client', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const down = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
      redisStore({ client: down });
      redisStore({ client: down });
      const ended = new Promise((resolve) => down.once('end', resolve));
      down.connect().catch(() => undefined);
      await ended;
      expect(down.listenerCount('error')).toBe(1);
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });
});
