import { createServer } from 'node:net';
import { ConfigError, type CallToolResult } from '@mcp-middleware/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { keyFilter, principalPart, SEPARATOR } from './keys.js';
import { redisStore } from './redis-store.js';
import type { StoredResult } from './store.js';

// Real Redis (REDIS_URL, default 127.0.0.1:6379), with a prefix of our own, removed afterwards.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `mcp-middleware-test:cache-store:${process.pid}:${Date.now()}:`;
let client: Redis;

beforeAll(() => {
  client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  const keys = await client.keys(`${PREFIX}*`);
  if (keys.length > 0) await client.unlink(...keys);
  await client.quit();
});

function stored(text: string, storedAt = 1): StoredResult {
  const value: CallToolResult = { content: [{ type: 'text', text }] };
  const json = JSON.stringify(value);
  return { value, json, bytes: Buffer.byteLength(json), storedAt };
}

const key = (tool: string, who: string, args = '{}'): string =>
  `${tool}${SEPARATOR}${principalPart(who)}${SEPARATOR}${args}`;

describe('redisStore', () => {
  it('gives back what was stored, with its time', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}a:` });
    await store.set('k', stored('hello', 42), 60_000);
    expect(await store.get('k')).toEqual({
      value: { content: [{ type: 'text', text: 'hello' }] },
      storedAt: 42,
    });
  });

  it('answers undefined for a key it does not hold', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}b:` });
    expect(await store.get('absent')).toBeUndefined();
  });

  it('writes JSON under the prefix with a PX expiry of the given ttl', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}c:` });
    await store.set('k', stored('x', 7), 5000);
    const ttl = await client.pttl(`${PREFIX}c:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);
    expect(JSON.parse((await client.get(`${PREFIX}c:k`)) as string)).toEqual({
      g: [0, 0],
      t: 7,
      v: { content: [{ type: 'text', text: 'x' }] },
    });
  });

  it('treats an entry it cannot read as a miss', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}d:` });
    await client.set(`${PREFIX}d:broken`, '{not json');
    await client.set(`${PREFIX}d:alien`, '{"something":"else"}');
    expect(await store.get('broken')).toBeUndefined();
    expect(await store.get('alien')).toBeUndefined();
  });

  it('invalidates one principal’s entries across tools, and nothing else', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}e:`, scanCount: 2 });
    for (const [tool, who] of [
      ['search', 'alice'],
      ['fetch', 'alice'],
      ['search', 'bob'],
    ] as const) {
      await store.set(key(tool, who), stored(who), 60_000);
    }
    expect(await store.invalidate(keyFilter(undefined, 'alice'))).toBe(2);
    expect(await store.get(key('search', 'alice'))).toBeUndefined();
    expect(await store.get(key('search', 'bob'))).toBeDefined();
  });

  it('invalidates one tool’s entries', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}f:` });
    await store.set(key('search', 'alice'), stored('1'), 60_000);
    await store.set(key('fetch', 'alice'), stored('2'), 60_000);
    expect(await store.invalidate(keyFilter('search', undefined))).toBe(1);
    expect(await store.get(key('fetch', 'alice'))).toBeDefined();
  });

  it('treats glob characters in a tool name or principal literally when invalidating', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}g[1]*:` });
    await store.set(key('a*', 'x?'), stored('1'), 60_000);
    await store.set(key('ab', 'xy'), stored('2'), 60_000);
    expect(await store.invalidate(keyFilter('a*', 'x?'))).toBe(1);
    expect(await store.get(key('ab', 'xy'))).toBeDefined();
  });

  it('invalidates everything under its prefix with an empty filter, and leaves other prefixes', async () => {
    const mine = redisStore({ client, prefix: `${PREFIX}h:` });
    const theirs = redisStore({ client, prefix: `${PREFIX}i:` });
    await mine.set(key('search', 'alice'), stored('1'), 60_000);
    await theirs.set(key('search', 'alice'), stored('2'), 60_000);
    expect(await mine.invalidate(keyFilter(undefined, undefined))).toBe(1);
    expect(await theirs.get(key('search', 'alice'))).toBeDefined();
  });

  it('rejects a client that is not a Redis client with a ConfigError', () => {
    expect(() => redisStore({ client: {} as never })).toThrow(ConfigError);
  });

  it('rejects an unknown option with a ConfigError', () => {
    expect(() => redisStore({ client, prefx: 'x' } as never)).toThrow(/did you mean prefix/);
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

  it('keeps keys that differ only in lone surrogates apart in Redis', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}utf8:` });
    const ids = ['x\ud800', 'x\udc00', 'x\ufffd'];
    for (const id of ids) await store.set(key('t', id), stored(id), 60_000);
    for (const id of ids) expect((await store.get(key('t', id)))?.value).toEqual(stored(id).value);
  });

  describe('generations', () => {
    it('makes the entries of a partition stale with one bump, across stores sharing the prefix', async () => {
      const one = redisStore({ client, prefix: `${PREFIX}gen1:` });
      const two = redisStore({ client, prefix: `${PREFIX}gen1:` });
      await one.set(key('read', 'jwt:alice'), stored('a'), 60_000);
      await one.set(key('read', 'jwt:bob'), stored('b'), 60_000);
      await two.bump?.([principalPart('jwt:alice')]);
      expect(await one.get(key('read', 'jwt:alice'))).toBeUndefined();
      expect(await one.get(key('read', 'jwt:bob'))).toBeDefined();
    });

    it('does not store a read that missed before a write on another replica landed', async () => {
      const reader = redisStore({ client, prefix: `${PREFIX}gen2:` });
      const writer = redisStore({ client, prefix: `${PREFIX}gen2:` });
      const k = key('read', 'jwt:alice');
      expect(await reader.get(k)).toBeUndefined(); // the read starts: a miss
      await writer.bump?.([principalPart('jwt:alice')]); // a write lands meanwhile
      await reader.set(k, stored('old'), 60_000); // the read's pre-write result
      expect(await reader.get(k)).toBeUndefined();
      await reader.set(k, stored('new'), 60_000); // the next read stores
      expect((await reader.get(k))?.value).toEqual({ content: [{ type: 'text', text: 'new' }] });
    });

    it('invalidates a write with one command and reads an entry with one: one round trip each', async () => {
      const commands: string[] = [];
      const counting = new Proxy(client, {
        get(target, name, receiver) {
          const value: unknown = Reflect.get(target, name, receiver);
          if (
            typeof value !== 'function' ||
            !['get', 'mget', 'set', 'eval', 'scan', 'unlink'].includes(String(name))
          )
            return value;
          return (...args: unknown[]) => (
            commands.push(String(name)),
            (value as (...a: unknown[]) => unknown).apply(target, args)
          );
        },
      });
      const store = redisStore({ client: counting, prefix: `${PREFIX}gen4:` });
      await store.bump?.([principalPart('jwt:alice'), 'shared']);
      await store.get(key('read', 'jwt:alice'));
      expect(commands).toEqual(['eval', 'mget']);
    });

    it('keeps generation keys out of every invalidation filter', async () => {
      const store = redisStore({ client, prefix: `${PREFIX}gen3:` });
      await store.bump?.([principalPart('jwt:alice'), '*']);
      await store.invalidate(keyFilter(undefined, undefined));
      expect(await client.keys(`${PREFIX}gen3:*`)).toHaveLength(2);
    });
  });
});
