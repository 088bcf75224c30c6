import { describe, expect, it } from 'vitest';
import * as ratelimitPackage from './index.js';
import { memoryStore } from './memory-store.js';
import { redisStore } from './redis-store.js';

describe('the ratelimit package exports', () => {
  it('names its stores rateLimitMemoryStore and rateLimitRedisStore, keeping the old names as aliases', () => {
    expect(ratelimitPackage.rateLimitMemoryStore).toBe(memoryStore);
    expect(ratelimitPackage.rateLimitRedisStore).toBe(redisStore);
    expect(ratelimitPackage.memoryStore).toBe(memoryStore);
    expect(ratelimitPackage.redisStore).toBe(redisStore);
  });
});
