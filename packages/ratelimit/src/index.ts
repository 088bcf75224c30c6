/** @mcp-middleware/ratelimit: rate limits and concurrency limits for MCP tools, in memory or on Redis. */
export { rateLimit } from './rate-limit.js';
export type { RateLimitOptions, RateLimitRejection, StoreErrorPolicy } from './rate-limit.js';
export { concurrencyLimit } from './concurrency-limit.js';
export type { ConcurrencyLimitOptions, ConcurrencyRejection } from './concurrency-limit.js';
export { memoryStore } from './memory-store.js';
export { redisStore } from './redis-store.js';
export type { RedisClientLike, RedisStoreOptions } from './redis-store.js';
export type { KeyBy, KeyFunction, KeyPart } from './key-by.js';
export type { RateLimitStore, WindowCounter, WindowSettings, WindowState } from './store.js';
