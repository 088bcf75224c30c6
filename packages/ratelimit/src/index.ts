/** @mcp-middleware/ratelimit: rate limits and concurrency limits for MCP tools, in memory or on Redis. */
import { memoryStore as rateLimitMemoryStore } from './memory-store.js';
import { redisStore as rateLimitRedisStore } from './redis-store.js';

export { rateLimit } from './rate-limit.js';
export type { RateLimitOptions, RateLimitRejection, StoreErrorPolicy } from './rate-limit.js';
export { concurrencyLimit } from './concurrency-limit.js';
export type { ConcurrencyLimitOptions, ConcurrencyRejection } from './concurrency-limit.js';
export { rateLimitMemoryStore, rateLimitRedisStore };
export type { RedisClientLike, RedisStoreOptions } from './redis-store.js';
export type { KeyBy, KeyFunction, KeyPart } from '@mcp-middleware/core/helpers';
export type { RateLimitStore, WindowCounter, WindowSettings, WindowState } from './store.js';

/** @deprecated Renamed {@link rateLimitMemoryStore}, so it cannot be mistaken for cache's store. */
export const memoryStore: typeof rateLimitMemoryStore = rateLimitMemoryStore;
/** @deprecated Renamed {@link rateLimitRedisStore}, so it cannot be mistaken for cache's store. */
export const redisStore: typeof rateLimitRedisStore = rateLimitRedisStore;
