import { ConfigError } from '@mcp-middleware/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from './redis-store.js';

// Real Redis (REDIS_URL, default 127.0.0.1:6379), with a prefix of our own, removed afterwards.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `mcp-middleware-test:idempotency-store:${process.pid}:${Date.now()}:`;
let client: Redis;

beforeAll(() => {
  client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  const keys = await client.keys(`${PREFIX}*`);
  if (keys.length > 0) await client.unlink(...keys);
  await client.quit();
});

const claim = (owner: string, fingerprint = 'f') => ({ fingerprint, owner, at: 1 });
const json = JSON.stringify({ content: [{ type: 'text', text: 'done' }] });

describe('redisStore', () => {
  it('claims a free key once: the second claim answers the first one', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}a:` });
    expect(await store.claim('k', claim('one'), 60_000)).toBeUndefined();
    expect(await store.claim('k', claim('two'), 60_000)).toEqual({ fingerprint: 'f', owner: 'one', at: 1 });
  });

  it('answers the completed result to a later claim', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}b:` });
    await store.claim('k', claim('one'), 60_000);
    await store.complete('k', 'one', { fingerprint: 'f', at: 5, json }, 60_000);
    expect(await store.claim('k', claim('two'), 60_000)).toEqual({
      fingerprint: 'f',
      owner: 'one',
      at: 5,
      result: JSON.parse(json) as unknown,
    });
  });

  it('frees a released key for the next claim', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}c:` });
    await store.claim('k', claim('one'), 60_000);
    await store.release('k', 'one');
    expect(await store.claim('k', claim('two'), 60_000)).toBeUndefined();
  });

  it('never completes or frees a claim another replica took after ours expired', async () => {
    const one = redisStore({ client, prefix: `${PREFIX}d:` });
    const two = redisStore({ client, prefix: `${PREFIX}d:` });
    await one.claim('k', claim('one'), 60_000);
    await client.del(`${PREFIX}d:k`); // our claim expired
    await two.claim('k', claim('two'), 60_000);
    await one.complete('k', 'one', { fingerprint: 'f', at: 5, json }, 60_000);
    await one.release('k', 'one');
    expect(await two.get('k')).toEqual({ fingerprint: 'f', owner: 'two', at: 1 });
  });

  it('refuses a client without call()', () => {
    expect(() => redisStore({ client: {} as never })).toThrow(ConfigError);
  });

  it('answers a key seen before with one command: one round trip', async () => {
    const store = redisStore({ client, prefix: `${PREFIX}e:` });
    await store.claim('k', claim('one'), 60_000);
    await store.complete('k', 'one', { fingerprint: 'f', at: 5, json }, 60_000);
    const commands: string[] = [];
    const counting = {
      call: (command: string, ...args: (string | number)[]) => (
        commands.push(command),
        client.call(command, ...args)
      ),
    };
    const found = await redisStore({ client: counting, prefix: `${PREFIX}e:` }).claim(
      'k',
      claim('two'),
      60_000,
    );
    expect(found?.result).toBeDefined();
    expect(commands).toEqual(['SET']);
  });
});
