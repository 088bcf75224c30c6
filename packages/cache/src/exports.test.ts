import { describe, expect, it } from 'vitest';
import * as cachePackage from './index.js';
import { memoryStore } from './memory-store.js';
import { redisStore } from './redis-store.js';

describe('the cache package exports', () => {
  it('names its stores cacheMemoryStore and cacheRedisStore, keeping the old names as aliases', () => {
    expect(cachePackage.cacheMemoryStore).toBe(memoryStore);
    expect(cachePackage.cacheRedisStore).toBe(redisStore);
    expect(cachePackage.memoryStore).toBe(memoryStore);
    expect(cachePackage.redisStore).toBe(redisStore);
  });
});
