/** A store shared by replicas: JSON values with a PX TTL on an injected ioredis client. */
import { ConfigError, readOptions, type CallToolResult } from '@mcp-middleware/core';
import { describeValue } from '@mcp-middleware/core/helpers';
import { ALL_PARTITIONS, partitionOf, type KeyFilter } from './keys.js';
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
  /** With `mget` and `eval` (ioredis has both), writes invalidate by generation: one round trip, no scan. */
  mget?(...keys: string[]): Promise<(string | null)[]>;
  eval?(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
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

// Stores an entry under the generations its read observed (ARGV[3], ARGV[4]; '' when unknown), and only
// while they still hold: a write on another replica during the read leaves nothing stale behind.
const SET_IF_CURRENT = `local p = redis.call('GET', KEYS[2]) or '0'
local a = redis.call('GET', KEYS[3]) or '0'
if ARGV[3] ~= '' and (ARGV[3] ~= p or ARGV[4] ~= a) then return 0 end
redis.call('SET', KEYS[1], '{"g":[' .. p .. ',' .. a .. '],' .. ARGV[1], 'PX', ARGV[2])
return 1`;
const BUMP = `for _, key in ipairs(KEYS) do redis.call('INCR', key) end return 1`;

// Generation keys hold one separator (entries hold two), so no entry filter ever selects them.
const GENERATION_TAG = '\u0002';

// An entry this version cannot read (corrupt, or written by another tool) is a miss, not a failure; so
// is an entry stored under older generations than `generations` (a write made it stale).
function parseEntry(text: string, generations?: readonly (string | null)[]): CacheEntry | undefined {
  let parsed: { t?: unknown; v?: unknown; g?: unknown } | null;
  try {
    parsed = JSON.parse(text) as { t?: unknown; v?: unknown; g?: unknown } | null;
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
  if (generations !== undefined) {
    const g = parsed.g;
    if (
      !Array.isArray(g) ||
      String(g[0]) !== (generations[0] ?? '0') ||
      String(g[1]) !== (generations[1] ?? '0')
    ) {
      return undefined;
    }
  }
  return { value: parsed.v as CallToolResult, storedAt: parsed.t };
}

// Checks the options (a ConfigError naming the bad one) and quiets the client's error events.
function readRedisOptions(options: RedisStoreOptions): {
  redis: RedisClientLike;
  prefix: string;
  scanCount: number;
} {
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
  return {
    redis,
    prefix: read.string('prefix', 'mcp-middleware:cache:'),
    scanCount: read.integer('scanCount', { min: 1, max: 100_000, default: 500 }),
  };
}

// Removes the entries `filter` selects: SCAN with a MATCH pattern as narrow as the filter allows, UNLINK.
async function scanAndUnlink(
  redis: RedisClientLike,
  prefix: string,
  scanCount: number,
  filter: KeyFilter,
): Promise<number> {
  const escapedPrefix = escapeGlob(prefix);
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
}

/**
 * A Redis store: `SET prefix+key {"t":storedAt,"v":result} PX ttl`. Every replica with the same prefix
 * shares entries; single-flight stays per process. Invalidation SCANs with MATCH and UNLINKs in batches.
 */
export function redisStore(options: RedisStoreOptions): CacheStore {
  const { redis, prefix, scanCount } = readRedisOptions(options);
  const generational = typeof redis.mget === 'function' && typeof redis.eval === 'function';
  const generationKey = (partition: string): string => `${prefix}${GENERATION_TAG}\u001f${partition}`;
  const allKey = generationKey(ALL_PARTITIONS);
  // The generations each missed read observed, for its store to land only if they still hold. Bounded:
  // a read whose entry is forgotten here stores under the generations current when it lands.
  const observed = new Map<string, readonly (string | null)[]>();

  async function getGenerational(key: string): Promise<CacheEntry | undefined> {
    const [text, partition, all] = await (redis.mget as NonNullable<RedisClientLike['mget']>)(
      prefix + key,
      generationKey(partitionOf(key)),
      allKey,
    );
    const generations = [partition ?? null, all ?? null];
    const entry = text === null || text === undefined ? undefined : parseEntry(text, generations);
    if (entry === undefined) {
      if (observed.size >= 10_000) observed.clear();
      observed.set(key, generations);
    }
    return entry;
  }

  return {
    name: 'redis',
    async get(key: string): Promise<CacheEntry | undefined> {
      if (generational) return getGenerational(key);
      const text = await redis.get(prefix + key);
      return text === null ? undefined : parseEntry(text);
    },
    async set(key: string, result: StoredResult, ttlMs: number): Promise<void> {
      const rest = `"t":${result.storedAt},"v":${result.json}}`;
      if (!generational) {
        await redis.set(prefix + key, `{${rest}`, 'PX', ttlMs);
        return;
      }
      const seen = observed.get(key);
      observed.delete(key);
      await (redis.eval as NonNullable<RedisClientLike['eval']>)(
        SET_IF_CURRENT,
        3,
        prefix + key,
        generationKey(partitionOf(key)),
        allKey,
        rest,
        ttlMs,
        seen === undefined ? '' : (seen[0] ?? '0'),
        seen === undefined ? '' : (seen[1] ?? '0'),
      );
    },
    ...(generational && {
      async bump(partitions: readonly string[]): Promise<void> {
        const keys = partitions.map(generationKey);
        await (redis.eval as NonNullable<RedisClientLike['eval']>)(BUMP, keys.length, ...keys);
      },
    }),
    invalidate: (filter: KeyFilter): Promise<number> => scanAndUnlink(redis, prefix, scanCount, filter),
  };
}
