/** rateLimit() options: the interface users write, and its checked, resolved form (read once per factory). */
import { ConfigError, type Clock, type ToolContext } from '@mcp-middleware/core';
import { compileKeyBy, type KeyBy, type KeyPart } from '@mcp-middleware/core/helpers';
import { RATE_LIMIT_OPTIONS } from './declaration.js';
import type { LimitedOperation } from './operations.js';
import { memoryStore } from './memory-store.js';
import type { RateLimitStore } from './store.js';

const DEFAULT_KEY_BY: readonly KeyPart[] = ['principal', 'tool'];

/** What to do when a shared store (Redis) fails or does not answer in time. */
export type StoreErrorPolicy = 'memory-fallback' | 'fail-open' | 'fail-closed';

/** Options of `rateLimit()`. */
export interface RateLimitOptions {
  /** Points each key may spend per window; with the default cost of 1, calls per window. Required. */
  readonly limit: number;
  /** Length of a key's window, which starts at the key's first call. @default 60_000 */
  readonly windowMs?: number;
  /**
   * Points one call spends: a whole number ≥ 0, or a function of the call (per tool, per args). A cost
   * of 0 is never counted; a cost above `limit` is rejected as never admissible. @default 1
   */
  readonly cost?: number | ((ctx: ToolContext) => number);
  /** Which calls share a limit. @default ['principal', 'tool'] */
  readonly keyBy?: KeyBy;
  /** `'reject'` answers RATE_LIMITED at once; `'queue'` waits for room up to `maxWaitMs`. @default 'reject' */
  readonly mode?: 'reject' | 'queue';
  /** Queue mode only: the longest a call waits before it is rejected. @default 10_000 */
  readonly maxWaitMs?: number;
  /** Where counters live. @default memoryStore() */
  readonly store?: RateLimitStore;
  /**
   * When the store fails: count in this process's memory instead (`'memory-fallback'`), admit
   * (`'fail-open'`) or reject (`'fail-closed'`). Each emits a `warning` event. @default 'memory-fallback'
   */
  readonly onStoreError?: StoreErrorPolicy;
  /** Names this limiter's counters in a shared store; two limiters on one store need different names. @default `<limit>-per-<windowMs>ms` */
  readonly name?: string;
  /** The time source for windows and queue waits. @default the call's `ctx.clock` */
  readonly clock?: Clock;
  /** Called for every rejected call; a throwing hook never fails a call. @default none */
  readonly onReject?: (rejection: RateLimitRejection, ctx: ToolContext) => void;
  /**
   * Which requests count: `tools/call`, and opt-in `resources/read`, `prompts/get`, `completion/complete`.
   * Each operation has keys of its own (the operation, then `keyBy` with the request's target as its `tool`
   * part), so reads never spend a tool's budget. On other requests a `cost` or `keyBy` function and
   * `onReject` receive that request's context (`tool` and `args` undefined).
   * @default ['tools/call']
   */
  readonly operations?: readonly LimitedOperation[];
}

/** What {@link RateLimitOptions.onReject} receives. */
export interface RateLimitRejection {
  /** Why: the limit was reached, the store failed under `'fail-closed'`, or the call costs more than `limit`. */
  readonly reason: 'limit' | 'store-unavailable' | 'too-costly';
  /** The limiter key (contains the principal id: fine for your own alerting, never a metric label). */
  readonly key: string;
  readonly cost: number;
  readonly remaining: number;
  readonly retryAfterMs: number | undefined;
}

function readStore(value: unknown): RateLimitStore {
  const store = value as RateLimitStore;
  if (typeof store !== 'object' || store === null || typeof store.bind !== 'function') {
    throw new ConfigError('store', 'rateLimit: store must be memoryStore() or redisStore({ client })');
  }
  return store;
}

function readClock(value: unknown): Clock | undefined {
  if (value === undefined) return undefined;
  const clock = value as Clock;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') {
    throw new ConfigError('clock', 'rateLimit: clock must be a Clock (systemClock, manualClock())');
  }
  return clock;
}

/** {@link RateLimitOptions} checked and with defaults applied. */
export interface ResolvedRateLimit {
  readonly limit: number;
  readonly windowMs: number;
  /** The cost of every call, unless `costOf` is set. */
  readonly fixedCost: number;
  readonly costOf: ((ctx: ToolContext) => number) | undefined;
  readonly keyOf: (ctx: ToolContext) => string;
  /** `keyBy` as given (compiled again for requests other than tool calls). */
  readonly keyBy: unknown;
  readonly operations: ReadonlySet<LimitedOperation>;
  readonly queue: boolean;
  readonly maxWaitMs: number;
  readonly store: RateLimitStore;
  readonly policy: StoreErrorPolicy;
  readonly name: string;
  readonly clock: Clock | undefined;
  readonly onReject: ((rejection: RateLimitRejection, ctx: ToolContext) => void) | undefined;
}

/** Checks `options` (a ConfigError names the bad one) and applies the defaults. */
export function resolveRateLimitOptions(options: RateLimitOptions): ResolvedRateLimit {
  const { values, reader: read } = RATE_LIMIT_OPTIONS.read(options);
  const { limit, windowMs, maxWaitMs, onStoreError: policy, onReject, operations } = values;
  const costOf = typeof values.cost === 'function' ? values.cost : undefined;
  const fixedCost = typeof values.cost === 'number' ? values.cost : 1;
  const queue = values.mode === 'queue';
  const keyBy = read.raw('keyBy') ?? DEFAULT_KEY_BY;
  return {
    limit,
    windowMs,
    fixedCost,
    costOf,
    keyOf: compileKeyBy('rateLimit', keyBy),
    keyBy,
    operations,
    queue,
    maxWaitMs,
    store: read.has('store') ? readStore(read.raw('store')) : memoryStore(),
    policy,
    name: values.name ?? `${limit}-per-${windowMs}ms`,
    clock: readClock(values.clock),
    onReject,
  };
}
