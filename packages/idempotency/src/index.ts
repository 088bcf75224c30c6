/** @mcp-middleware/idempotency: repeated writes with one idempotency key answered once, in memory or Redis. */
export { idempotency } from './idempotency.js';
export { IDEMPOTENCY_META_KEY } from './replay.js';
export type { IdempotencyMeta } from './replay.js';
export { IDEMPOTENCY_KEY_META, SPEC_IDEMPOTENCY_KEY_META } from './key.js';
export type { IdempotencyOptions, StoreErrorPolicy } from './options.js';
export { memoryStore } from './memory-store.js';
export type { MemoryStore, MemoryStoreOptions } from './memory-store.js';
export { redisStore } from './redis-store.js';
export type { RedisClientLike, RedisStoreOptions } from './redis-store.js';
export type { CompletedRecord, IdempotencyRecord, IdempotencyStore } from './store.js';
