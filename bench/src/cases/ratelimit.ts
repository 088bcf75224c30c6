/** Rate-limit cases: memory rateLimit and concurrencyLimit per call, their cost from 10 to 1M keys, Redis. */
import { Redis } from 'ioredis';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Middleware } from '@mcp-middleware/core';
import { concurrencyLimit, rateLimit, redisStore } from '@mcp-middleware/ratelimit';
import { pipelineCase, type BenchCase } from '../harness.js';

// High enough that no call is ever rejected: the cases measure the admitting path.
const NEVER = 1_000_000_000;

// Walks the keys in a scattered order, as many principals calling at once would, and builds each key
// string fresh, as auth would per call. The stride is prime, so every key is visited.
function scatteredKeys(count: number): () => string {
  let i = 0;
  return () => {
    i = (i + 7919) % count;
    return `user-${i}`;
  };
}

// Per-call cases are also timed beside the empty runner: the difference is what the middleware adds.
const overRunner = (base: BenchCase): BenchCase => ({ ...base, baseline: 'runner-empty' });

// A pre-filled limiter: every key has a window open before timing starts.
function scaleCase(count: number, quick: boolean): BenchCase {
  const base = pipelineCase(
    `ratelimit-memory-${count}-keys`,
    `memory rateLimit with ${count.toLocaleString('en')} live keys, visited in scattered order`,
    // An hour-long window: no key expires while the case runs, so this is the steady-state lookup.
    () => rateLimit({ limit: NEVER, windowMs: 3_600_000, keyBy: scatteredKeys(count) }),
    { group: 'scale', quick },
  );
  return {
    ...base,
    ...(count === 10 ? {} : { baseline: 'ratelimit-memory-10-keys' }),
    async setup() {
      const op = await base.setup();
      for (let i = 0; i < count; i++) await op.run();
      return op;
    },
  };
}

// rate-limiter-flexible's RateLimiterMemory as a middleware: the "before" of our compact store.
function flexibleMemory(keyOf: () => string): Middleware {
  const limiter = new RateLimiterMemory({ points: NEVER, duration: 3600 });
  return async function flexibleMemory(ctx, next) {
    await limiter.consume(keyOf());
    return next(ctx);
  };
}

function flexibleScaleCase(count: number): BenchCase {
  const base = pipelineCase(
    `ratelimit-flexible-memory-${count}-keys`,
    `reference: rate-limiter-flexible RateLimiterMemory with ${count.toLocaleString('en')} live keys (one timer per key)`,
    () => flexibleMemory(scatteredKeys(count)),
    { group: 'scale' },
  );
  return {
    ...base,
    baseline: `ratelimit-memory-${count}-keys`,
    async setup() {
      const op = await base.setup();
      for (let i = 0; i < count; i++) await op.run();
      return op;
    },
  };
}

const redisCase: BenchCase = {
  name: 'ratelimit-redis',
  group: 'round-trip',
  description: 'rateLimit on redisStore (Redis at REDIS_URL on loopback): one round trip per call',
  batch: 500,
  async setup() {
    const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const prefix = `mcp-middleware:bench:${process.pid}`;
    const base = pipelineCase('ratelimit-redis', '', () =>
      rateLimit({ limit: NEVER, store: redisStore({ client, prefix }) }),
    );
    const op = await base.setup();
    return {
      run: op.run,
      async teardown() {
        const keys = await client.keys(`${prefix}:*`);
        if (keys.length > 0) await client.del(...keys);
        await client.quit();
      },
    };
  },
};

export const cases: BenchCase[] = [
  overRunner(
    pipelineCase(
      'ratelimit-memory',
      'memory rateLimit, default key (principal + tool), one anonymous caller',
      () => rateLimit({ limit: NEVER }),
      { quick: true },
    ),
  ),
  overRunner(
    pipelineCase(
      'ratelimit-memory-client',
      'memory rateLimit, default key from the OAuth client id in authInfo',
      () => rateLimit({ limit: NEVER }),
      { extra: { authInfo: { token: 'bench-token', clientId: 'bench-client', scopes: [] } } },
    ),
  ),
  overRunner(
    pipelineCase('concurrency-limit', 'concurrencyLimit({ max: 10 }), per tool, sequential calls', () =>
      concurrencyLimit({ max: 10 }),
    ),
  ),
  scaleCase(10, true),
  scaleCase(10_000, false),
  scaleCase(1_000_000, false),
  flexibleScaleCase(10),
  flexibleScaleCase(1_000_000),
  redisCase,
];
