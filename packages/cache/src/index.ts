/** @mcp-middleware/cache: results of read-only tools, identity-partitioned and single-flight, in memory or Redis. */
import { memoryStore as cacheMemoryStore } from './memory-store.js';
import { redisStore as cacheRedisStore } from './redis-store.js';

export { cache } from './cache.js';
export type { CacheMiddleware, InvalidateFilter } from './cache.js';
export { CACHE_META_KEY } from './marked.js';
export type { CacheMeta } from './marked.js';
export type { CachedOperation, CacheOptions, CacheScope } from './options.js';
export { cacheMemoryStore, cacheRedisStore };
export type { MemoryStore, MemoryStoreOptions } from './memory-store.js';
export type { RedisClientLike, RedisStoreOptions } from './redis-store.js';
export type { CacheEntry, CacheStore, StoredResult } from './store.js';
export type { KeyFilter } from './keys.js';

/** @deprecated Renamed {@link cacheMemoryStore}, so it cannot be mistaken for ratelimit's store. */
export const memoryStore: typeof cacheMemoryStore = cacheMemoryStore;
/** @deprecated Renamed {@link cacheRedisStore}, so it cannot be mistaken for ratelimit's store. */
export const redisStore: typeof cacheRedisStore = cacheRedisStore;
