/** circuitBreaker(): one breaker per key (per tool by default), counted here while closed, on opossum otherwise. */
import {
  defineMiddleware,
  type CallToolResult,
  type EventChannel,
  type Middleware,
  type Next,
  type RequestContext,
  type RequestHooks,
  type ToolContext,
} from '@mcp-middleware/core';
import { FailureRule, isFailedAnswer } from './classify.js';
import type { BreakerState } from './failure.js';
import { requestKey } from './keys.js';
import { isOpenRejection, makeBreaker, type Breaker, type Run } from './opossum.js';
import { readBreakerOptions, type CircuitBreakerOptions, type ResolvedBreakerOptions } from './options.js';
import { BreakerPublisher } from './publisher.js';
import { BUCKETS, BreakerRegistry, type BreakerEntry } from './registry.js';
import { openError, shortCircuit } from './short-circuit.js';

export type { BreakerInfo, CircuitBreakerOptions } from './options.js';

/** The middleware, plus its breakers' states for metrics and a way to stop its timers. */
export interface CircuitBreakerMiddleware extends Middleware {
  /** A snapshot of every live breaker's state, by key. */
  states(): Map<string, BreakerState>;
  /** Stops the rotation timer and every breaker; later calls start with fresh, closed breakers. */
  shutdown(): void;
}

/** opossum's breaker for an entry whose window tripped, its events wired to the entry and the publisher. */
function wire(
  entry: BreakerEntry,
  o: ResolvedBreakerOptions,
  rule: FailureRule,
  registry: BreakerRegistry,
  publisher: BreakerPublisher,
): Breaker {
  const breaker = makeBreaker(entry.key, entry.isTool ? rule.toolAction : rule.requestAction, {
    resetTimeoutMs: o.resetTimeoutMs,
    errorThresholdPercentage: o.errorThresholdPercentage,
    volumeThreshold: o.volumeThreshold,
    rollingWindowMs: o.rollingWindowMs,
    buckets: BUCKETS,
    rotor: registry.rotor,
    errorFilter: rule.errorFilter,
  });
  breaker.on('failure', (_error, _latencyMs, args) => {
    entry.failed = args[0];
  });
  breaker.on('open', () => {
    // opossum starts its reset timer from Date.now() too.
    entry.openedAt = Date.now();
    const cause = entry.failed;
    entry.failed = entry.probe = undefined;
    publisher.publish(entry, 'open', cause);
  });
  breaker.on('halfOpen', () => publisher.publish(entry, 'half-open', undefined));
  breaker.on('close', () => {
    const probe = entry.probe;
    entry.probe = undefined;
    registry.closed(entry);
    publisher.publish(entry, 'closed', probe);
  });
  return breaker;
}

// A tripped entry's call goes through opossum; the probe of a half-open breaker is remembered for its event.
function fire(entry: BreakerEntry, ctx: RequestContext, next: Run): Promise<unknown> {
  const breaker = entry.breaker as Breaker;
  if (breaker.halfOpen && breaker.pendingClose) entry.probe = ctx;
  return breaker.fire(ctx, next).catch((error: unknown) => {
    if (entry.failed === ctx) entry.failed = undefined;
    throw error;
  });
}

/**
 * Short-circuits calls to a failing tool: after more than `errorThresholdPercentage` failures among at
 * least `volumeThreshold` calls in `rollingWindowMs`, calls get `CIRCUIT_OPEN` without running the
 * handler; after `resetTimeoutMs` one probe goes through, and its success closes the breaker.
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreakerMiddleware {
  const o = readBreakerOptions(options);
  const { resetTimeoutMs, keyOf, fallback, operations } = o;
  const publisher = new BreakerPublisher(o.hooks);
  const rule = new FailureRule(o.counts);
  const registry: BreakerRegistry = new BreakerRegistry({
    maxBreakers: o.maxBreakers,
    volumeThreshold: o.volumeThreshold,
    errorThresholdPercentage: o.errorThresholdPercentage,
    rollingWindowMs: o.rollingWindowMs,
    keyedByTool: o.keyedByTool,
    clock: o.clock,
    makeBreaker: (entry) => wire(entry, o, rule, registry, publisher),
  });

  // While closed, a call runs bare and is counted in the registry's window; opossum sees it only from a
  // trip until a probe closes it again.
  const closedCall = <R>(entry: BreakerEntry, ctx: RequestContext, next: Run): Promise<R> =>
    next(ctx).then(
      (result) => {
        if (entry.isTool && rule.failedAnswer(result as CallToolResult, ctx)) registry.failed(entry, ctx);
        else registry.succeeded(entry);
        return result as R;
      },
      (error: unknown) => {
        if (rule.errorFilter(error, ctx)) registry.succeeded(entry);
        else registry.failed(entry, ctx);
        throw error;
      },
    );

  const middleware = function circuitBreaker(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const entry = registry.enter(keyOf(ctx), true);
    if (!entry.tripped) return closedCall(entry, ctx, next as Run);
    return (fire(entry, ctx, next as Run) as Promise<CallToolResult>).catch((error: unknown) => {
      if (isFailedAnswer(error)) return error.result;
      if (isOpenRejection(error)) return shortCircuit(ctx, entry, resetTimeoutMs, fallback);
      throw error;
    });
  };

  // A resource read or prompt get: its breaker is keyed by a bounded key (see keys.ts), no fallback.
  const guard = <R>(ctx: RequestContext, next: (ctx: RequestContext) => Promise<R>): Promise<R> => {
    const entry = registry.enter(requestKey(ctx), false);
    if (!entry.tripped) return closedCall(entry, ctx, next);
    return (fire(entry, ctx, next) as Promise<R>).catch((error: unknown) => {
      throw isOpenRejection(error) ? openError(ctx, entry, resetTimeoutMs) : error;
    });
  };

  const requests: RequestHooks = {
    ...(operations.has('resources/read') ? { 'resources/read': guard } : {}),
    ...(operations.has('prompts/get') ? { 'prompts/get': guard } : {}),
  };
  const attach = (channel: EventChannel): void => publisher.channels.add(channel);
  const api = {
    attach,
    states: (): Map<string, BreakerState> => registry.states(),
    shutdown: (): void => registry.shutdown(),
  };
  if (!operations.has('tools/call')) {
    return Object.assign(defineMiddleware('circuitBreaker', { requests, attach }), api);
  }
  if (operations.size > 1) middleware.requests = requests;
  return Object.assign(middleware, api);
}
