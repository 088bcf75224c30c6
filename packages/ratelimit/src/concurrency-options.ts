/** concurrencyLimit() options: the interface users write, and its checked, resolved form (read once). */
import type { Clock, RequestContext, ToolContext } from '@mcp-middleware/core';
import { compileKeyBy, type KeyBy } from '@mcp-middleware/core/helpers';
import { CONCURRENCY_LIMIT_OPTIONS } from './declaration.js';
import { requestKeyFor, type LimitedOperation } from './operations.js';

/** Options of `concurrencyLimit()`. */
export interface ConcurrencyLimitOptions {
  /** Calls per key that may run at once. Required. */
  readonly max: number;
  /** Calls per key that may wait for a free slot; 0 rejects as soon as `max` are running. @default 0 */
  readonly queue?: number;
  /** The longest a queued call waits before it is rejected. @default 10_000 */
  readonly queueTimeoutMs?: number;
  /** Which calls share a bulkhead. @default 'tool' */
  readonly keyBy?: KeyBy;
  /** The time source for queue timeouts. @default the call's `ctx.clock` */
  readonly clock?: Clock;
  /** Called for every rejected call; a throwing hook never fails a call. @default none */
  readonly onReject?: (rejection: ConcurrencyRejection, ctx: ToolContext) => void;
  /**
   * Which requests take a slot: `tools/call`, and opt-in `resources/read`, `prompts/get`,
   * `completion/complete`, each with bulkheads of its own (keyed by the operation, then `keyBy` with the
   * request's target as its `tool` part).
   * @default ['tools/call']
   */
  readonly operations?: readonly LimitedOperation[];
}

/** What {@link ConcurrencyLimitOptions.onReject} receives. */
export interface ConcurrencyRejection {
  /** `full`: `max` running and the queue full; `queue-timeout`: waited `queueTimeoutMs`. */
  readonly reason: 'full' | 'queue-timeout';
  readonly key: string;
  readonly active: number;
  readonly queued: number;
}

/** {@link ConcurrencyLimitOptions} checked and with defaults applied. */
export interface ResolvedConcurrencyLimit {
  readonly max: number;
  readonly queueSize: number;
  readonly queueTimeoutMs: number;
  /** The `clock` option; undefined: each call's `ctx.clock`. */
  readonly clock: Clock | undefined;
  readonly onReject: ConcurrencyLimitOptions['onReject'];
  readonly operations: ReadonlySet<LimitedOperation>;
  readonly toolKeyOf: (ctx: RequestContext) => string;
  readonly requestKeyOf: (ctx: RequestContext) => string;
}

/** Checks `options` (a ConfigError names the bad one) and applies the defaults. */
export function resolveConcurrencyOptions(options: ConcurrencyLimitOptions): ResolvedConcurrencyLimit {
  const { values, reader } = CONCURRENCY_LIMIT_OPTIONS.read(options);
  const { max, queue: queueSize, queueTimeoutMs, onReject, operations, clock } = values;
  if (clock !== undefined && typeof clock?.setTimeout !== 'function') {
    reader.fail('clock', 'a Clock (systemClock, manualClock())');
  }
  const keyBy = values.keyBy ?? 'tool';
  const toolKeyOf = compileKeyBy('concurrencyLimit', keyBy) as (ctx: RequestContext) => string;
  const requestKeyOf = requestKeyFor('concurrencyLimit', keyBy, operations, toolKeyOf);
  return { max, queueSize, queueTimeoutMs, clock, onReject, operations, toolKeyOf, requestKeyOf };
}
