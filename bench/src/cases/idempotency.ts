/**
 * Safe-writes cases (issue 18): an idempotent call on a key seen before (memory: ≤ 2 µs; Redis: one round
 * trip), a call without a key, and a write that invalidates cached reads (memory, and one Redis round trip).
 */
import { cache, redisStore as cacheRedisStore } from '@mcp-middleware/cache';
import type { ToolInfo } from '@mcp-middleware/core';
import { IDEMPOTENCY_KEY_META, idempotency, redisStore } from '@mcp-middleware/idempotency';
import { Redis } from 'ioredis';
import { pipelineCase, type BenchCase } from '../harness.js';

const writeTool: ToolInfo = Object.freeze({
  name: 'create_invoice',
  annotations: { readOnlyHint: false },
  inputSchema: { type: 'object' },
});
const keyed = { _meta: { [IDEMPOTENCY_KEY_META]: 'bench-key-0001' } };
const overRunner = (base: BenchCase): BenchCase => ({ ...base, baseline: 'runner-empty' });

// A case on Redis at REDIS_URL, under a prefix of its own that is removed afterwards.
function redisCase(
  name: string,
  description: string,
  build: (client: Redis, prefix: string) => BenchCase,
): BenchCase {
  return {
    name,
    group: 'round-trip',
    description,
    batch: 500,
    async setup() {
      const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      const prefix = `mcp-middleware:bench:${name}:${process.pid}:`;
      const op = await build(client, prefix).setup();
      return {
        run: op.run,
        async teardown() {
          const keys = await client.keys(`${prefix}*`);
          if (keys.length > 0) await client.del(...keys);
          await client.quit();
        },
      };
    },
  };
}

export const cases: BenchCase[] = [
  overRunner(
    pipelineCase(
      'idempotency-memory-replay',
      'idempotency() on the memory store: a write whose key was seen before, answered from the store',
      () => idempotency(),
      { tool: writeTool, extra: keyed, quick: true },
    ),
  ),
  overRunner(
    pipelineCase(
      'idempotency-no-key',
      'idempotency(): a write without a key passes through',
      () => idempotency(),
      { tool: writeTool },
    ),
  ),
  overRunner(
    pipelineCase(
      'idempotency-cache-write-memory',
      'cache() on the memory store: a write bumps the generation of its partition and the shared one',
      () => cache(),
      { tool: writeTool },
    ),
  ),
  redisCase(
    'idempotency-redis-replay',
    'idempotency() on redisStore: a write whose key was seen before, one SET NX GET round trip',
    (client, prefix) =>
      pipelineCase(
        'idempotency-redis-replay',
        '',
        () => idempotency({ store: redisStore({ client, prefix }) }),
        {
          tool: writeTool,
          extra: keyed,
        },
      ),
  ),
  redisCase(
    'idempotency-cache-write-redis',
    'cache() on redisStore: a write bumps generations in one EVAL round trip, no SCAN',
    (client, prefix) =>
      pipelineCase(
        'idempotency-cache-write-redis',
        '',
        () => cache({ store: cacheRedisStore({ client, prefix }) }),
        {
          tool: writeTool,
        },
      ),
  ),
];
