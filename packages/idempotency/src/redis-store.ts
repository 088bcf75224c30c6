/** A store shared by replicas: one key per (principal, idempotency key), claimed with SET NX, on ioredis. */
import { ConfigError, readOptions } from '@mcp-middleware/core';
import { describeValue } from '@mcp-middleware/core/helpers';
import {
  decodeRecord,
  encodeRecord,
  type CompletedRecord,
  type IdempotencyRecord,
  type IdempotencyStore,
} from './store.js';

/** The command the store uses; an ioredis `Redis` client fits. */
export interface RedisClientLike {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /** ioredis' EventEmitter: the store adds one `error` listener, as the cache's store does. */
  on?(event: 'error', listener: (error: unknown) => void): unknown;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** A connected ioredis client (Redis ≥ 7: the claim is `SET … NX GET`). Its lifecycle stays yours. */
  readonly client: RedisClientLike;
  /**
   * Prepended to every key; give each application its own.
   * @default "mcp-middleware:idempotency:"
   */
  readonly prefix?: string | undefined;
}

// Complete or release only while our own claim holds the key: a claim that expired and was taken by
// another run is theirs. ARGV[1] is our claim's exact text.
const COMPLETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

const quieted = new WeakSet<object>();

/**
 * A Redis store. A key seen before costs one round trip (`SET key claim NX PX ttl GET` answers the record
 * already there); completing or releasing a claim is one `EVAL` that checks the claim is still ours.
 */
export function redisStore(options: RedisStoreOptions): IdempotencyStore {
  const read = readOptions('redisStore', options, ['client', 'prefix']);
  const client = read.raw('client') as RedisClientLike | undefined;
  if (typeof client?.call !== 'function') {
    throw new ConfigError(
      'client',
      `redisStore: client must be an ioredis client (with call()), got ${describeValue(client)}`,
    );
  }
  const redis = client;
  if (!quieted.has(redis) && typeof redis.on === 'function') {
    quieted.add(redis);
    redis.on('error', () => undefined);
  }
  const prefix = read.string('prefix', 'mcp-middleware:idempotency:');
  // The claim text of each run this process started, by owner, to compare in the scripts.
  const claims = new Map<string, string>();

  const decoded = (text: unknown): IdempotencyRecord | undefined =>
    typeof text === 'string' ? decodeRecord(text) : undefined;

  return {
    name: 'redis',
    async claim(key, claim, ttlMs) {
      const text = encodeRecord(claim.owner, claim.fingerprint, claim.at);
      claims.set(claim.owner, text);
      const previous = await redis.call('SET', prefix + key, text, 'PX', ttlMs, 'NX', 'GET');
      if (previous === null) return undefined;
      claims.delete(claim.owner);
      // Unreadable text under our key: treat as a run we cannot join (never as a free key).
      return decoded(previous) ?? { fingerprint: '', owner: '', at: claim.at };
    },
    async get(key) {
      return decoded(await redis.call('GET', prefix + key));
    },
    async complete(key, owner, record: CompletedRecord, ttlMs) {
      const mine = claims.get(owner);
      claims.delete(owner);
      if (mine === undefined) return;
      await redis.call(
        'EVAL',
        COMPLETE,
        1,
        prefix + key,
        mine,
        encodeRecord(owner, record.fingerprint, record.at, record.json),
        ttlMs,
      );
    },
    async release(key, owner) {
      const mine = claims.get(owner);
      claims.delete(owner);
      if (mine === undefined) return;
      await redis.call('EVAL', RELEASE, 1, prefix + key, mine);
    },
  };
}
