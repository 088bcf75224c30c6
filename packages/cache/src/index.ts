/** @mcp-middleware/cache: results of read-only tools, identity-partitioned and single-flight, in memory or Redis. */
export { cache } from './cache.js';
export type { CacheMiddleware, InvalidateFilter } from './cache.js';
export { CACHE_META_KEY } from './marked.js';
export type { CacheMeta } from './marked.js';
export type { CachedOperation, CacheOptions, CacheScope } from './options.js';
export { memoryStore } from './memory-store.js';
export type { MemoryStore, MemoryStoreOptions } from './memory-store.js';
export { redisStore } from './redis-store.js';
export type { RedisClientLike, RedisStoreOptions } from './redis-store.js';
export type { CacheEntry, CacheStore, StoredResult } from './store.js';
export type { KeyFilter } from './keys.js';
