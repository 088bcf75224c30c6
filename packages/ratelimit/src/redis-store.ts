/** redisStore(): counters shared by every replica, on rate-limiter-flexible's atomic Redis script. */
import { ConfigError, readOptions } from '@mcp-middleware/core';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitStore, WindowCounter, WindowSettings, WindowState } from './store.js';

/**
 * The part of an ioredis client (`Redis` or `Cluster`, v5 or v6) the store relies on; typed
 * structurally so users of the memory store need not install ioredis.
 */
export interface RedisClientLike {
  readonly status: string;
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void;
  /** ioredis' EventEmitter: the store adds one `error` listener (see {@link redisStore}). */
  on?(event: 'error', listener: (error: unknown) => void): unknown;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * Your ioredis client; the store never connects or quits it, and adds one `error` listener to it (so an
   * outage is reported once by the limiter's throttled warning, not by ioredis' "Unhandled error event"
   * stack on every reconnect attempt). Required.
   */
  readonly client: RedisClientLike;
  /** Prefix of every key the store writes. @default 'mcp-middleware:ratelimit' */
  readonly prefix?: string;
  /** A call whose Redis round trip takes longer counts as a store failure (`onStoreError`). @default 500 */
  readonly timeoutMs?: number;
}

const KNOWN = ['client', 'prefix', 'timeoutMs'] as const;

class StoreTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Redis did not answer within ${timeoutMs} ms`);
  }
}
Object.defineProperty(StoreTimeoutError.prototype, 'name', { value: 'StoreTimeoutError' });

// Clients that already carry our listener: one per client, however many stores and limiters share it.
const quieted = new WeakSet<object>();

/**
 * Adds an `error` listener to an ioredis client, once. Without one, ioredis prints every connection error
 * as "[ioredis] Unhandled error event" on stderr; the limiter already reports the outage (throttled) when
 * a call finds the store down, so the listener has nothing more to say.
 */
export function quietErrors(client: RedisClientLike): void {
  if (quieted.has(client) || typeof client.on !== 'function') return;
  quieted.add(client);
  client.on('error', () => undefined);
}

// ioredis states in which a command would wait in its offline queue for the duration of an outage.
const DOWN: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end']);

class RedisWindowCounter implements WindowCounter {
  readonly #client: RedisClientLike;
  readonly #limiter: RateLimiterRedis;
  readonly #limit: number;
  readonly #timeoutMs: number;

  constructor(client: RedisClientLike, limiter: RateLimiterRedis, limit: number, timeoutMs: number) {
    this.#client = client;
    this.#limiter = limiter;
    this.#limit = limit;
    this.#timeoutMs = timeoutMs;
  }

  consume(key: string, cost: number): Promise<WindowState> {
    const limit = this.#limit;
    const timeoutMs = this.#timeoutMs;
    // Fail at once while the client is reconnecting; during the first connect, let the command wait
    // (bounded by timeoutMs) so calls made right after startup are counted in Redis.
    const status = this.#client.status;
    if (DOWN.has(status))
      return Promise.reject(new Error(`Redis is not connected (client status "${status}")`));
    return new Promise((resolve, reject) => {
      // Network I/O gets a real-time deadline: ioredis holds commands sent before a disconnect until it
      // reconnects, which would otherwise hang the call for as long as Redis is away.
      const timer = setTimeout(() => reject(new StoreTimeoutError(timeoutMs)), timeoutMs);
      timer.unref();
      this.#limiter.consume(key, cost).then(
        (res: RateLimiterRes) => {
          clearTimeout(timer);
          resolve({ allowed: true, remaining: res.remainingPoints, resetInMs: res.msBeforeNext });
        },
        (res: unknown) => {
          clearTimeout(timer);
          // rate-limiter-flexible rejects with a RateLimiterRes when the limit is reached, an Error otherwise.
          if (res instanceof Error || typeof res !== 'object' || res === null) {
            reject(res);
            return;
          }
          const over = res as RateLimiterRes;
          resolve({
            allowed: false,
            remaining: Math.max(0, limit - (over.consumedPoints - cost)),
            resetInMs: over.msBeforeNext,
          });
        },
      );
    });
  }
}

/**
 * Counts in Redis so every replica shares each limit: one atomic script (INCRBY + TTL) per call, one
 * round trip. Windows are whole seconds (Redis key expiry). If Redis is down or slow the limiter's
 * `onStoreError` policy applies; the client is yours to configure and close.
 */
export function redisStore(options: RedisStoreOptions): RateLimitStore {
  const read = readOptions('redisStore', options, KNOWN);
  const value = read.raw('client') as RedisClientLike | undefined;
  const client: RedisClientLike =
    typeof value === 'object' && value !== null && typeof value.defineCommand === 'function'
      ? value
      : read.fail('client', 'an ioredis client (new Redis(url))');
  quietErrors(client);
  const prefix = read.string('prefix', 'mcp-middleware:ratelimit');
  const timeoutMs = read.integer('timeoutMs', { min: 1, default: 500 });
  return {
    kind: 'redis',
    bind(settings: WindowSettings): WindowCounter {
      if (settings.windowMs % 1000 !== 0) {
        throw new ConfigError(
          'windowMs',
          `rateLimit: windowMs must be a whole number of seconds with redisStore (Redis expires keys in seconds), got ${settings.windowMs}`,
        );
      }
      const limiter = new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${prefix}:${settings.name}`,
        points: settings.limit,
        duration: settings.windowMs / 1000,
      });
      return new RedisWindowCounter(client, limiter, settings.limit, timeoutMs);
    },
  };
}
