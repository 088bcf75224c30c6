/** A store shared by replicas: JSON values with a PX TTL on an injected ioredis client. */
import { ConfigError, describeValue, readOptions, type CallToolResult } from '@mcp-middleware/core';
import type { KeyFilter } from './keys.js';
import type { CacheEntry, CacheStore, StoredResult } from './store.js';

/** The commands the store uses; an ioredis `Redis` client fits. */
export interface RedisClientLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ttlMs: number): Promise<unknown>;
  scan(
    cursor: string,
    match: 'MATCH',
    pattern: string,
    count: 'COUNT',
    batch: number,
  ): Promise<[cursor: string, keys: string[]]>;
  unlink(...keys: string[]): Promise<number>;
  /** ioredis' EventEmitter: the store adds one `error` listener (see {@link redisStore}). */
  on?(event: 'error', listener: (error: unknown) => void): unknown;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * A connected ioredis client (not a Cluster: invalidation scans one node). Its lifecycle stays yours; the
   * store adds one `error` listener, so an outage is the cache's one throttled warning rather than
   * ioredis' "Unhandled error event" stack on every reconnect attempt.
   */
  readonly client: RedisClientLike;
  /**
   * Prepended to every key; give each application its own.
   * @default "mcp-middleware:cache:"
   */
  readonly prefix?: string | undefined;
  /**
   * Keys asked for per SCAN step when invalidating.
   * @default 500
   */
  readonly scanCount?: number | undefined;
}

const GLOB_SPECIAL = /[*?[\]\\]/g;

function escapeGlob(text: string): string {
  return text.replace(GLOB_SPECIAL, '\\$&');
}

// Clients that already carry our listener: one per client, however many stores share it.
const quieted = new WeakSet<object>();

// Without an `error` listener ioredis prints every connection error on stderr; failed commands already
// reach the cache, which reports the outage (throttled), so the listener has nothing more to say.
function quietErrors(client: RedisClientLike): void {
  if (quieted.has(client) || typeof client.on !== 'function') return;
  quieted.add(client);
  client.on('error', () => undefined);
}

// An entry this version cannot read (corrupt, or written by another tool) is a miss, not a failure.
function parseEntry(text: string): CacheEntry | undefined {
  let parsed: { t?: unknown; v?: unknown } | null;
  try {
    parsed = JSON.parse(text) as { t?: unknown; v?: unknown } | null;
  } catch {
    return undefined;
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof parsed.t !== 'number' ||
    typeof parsed.v !== 'object' ||
    parsed.v === null
  ) {
    return undefined;
  }
  return { value: parsed.v as CallToolResult, storedAt: parsed.t };
}

/**
 * A Redis store: `SET prefix+key {"t":storedAt,"v":result} PX ttl`. Every replica with the same prefix
 * shares entries; single-flight stays per process. Invalidation SCANs with MATCH and UNLINKs in batches.
 */
export function redisStore(options: RedisStoreOptions): CacheStore {
  const read = readOptions('redisStore', options, ['client', 'prefix', 'scanCount']);
  const client = read.raw('client') as RedisClientLike | undefined;
  for (const method of ['get', 'set', 'scan', 'unlink'] as const) {
    if (typeof client?.[method] !== 'function') {
      throw new ConfigError(
        'client',
        `redisStore: client must be an ioredis client (with ${method}()), got ${describeValue(client)}`,
      );
    }
  }
  const redis = client as RedisClientLike;
  quietErrors(redis);
  const prefix = read.string('prefix', 'mcp-middleware:cache:');
  const scanCount = read.integer('scanCount', { min: 1, max: 100_000, default: 500 });
  const escapedPrefix = escapeGlob(prefix);

  return {
    name: 'redis',
    async get(key: string): Promise<CacheEntry | undefined> {
      const text = await redis.get(prefix + key);
      return text === null ? undefined : parseEntry(text);
    },
    async set(key: string, result: StoredResult, ttlMs: number): Promise<void> {
      await redis.set(prefix + key, `{"t":${result.storedAt},"v":${result.json}}`, 'PX', ttlMs);
    },
    async invalidate(filter: KeyFilter): Promise<number> {
      const tool = filter.tool === undefined ? '*' : escapeGlob(filter.tool);
      const partition = filter.partition === undefined ? '*' : escapeGlob(filter.partition);
      const pattern =
        filter.tool === undefined && filter.partition === undefined
          ? `${escapedPrefix}*`
          : `${escapedPrefix}${tool}\u001f${partition}\u001f*`;
      let removed = 0;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', scanCount);
        cursor = next;
        // The pattern may over-select when a part is `*`; the filter has the last word.
        const doomed = keys.filter((key) => filter.matches(key.slice(prefix.length)));
        if (doomed.length > 0) removed += await redis.unlink(...doomed);
      } while (cursor !== '0');
      return removed;
    },
  };
}
