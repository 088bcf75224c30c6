/** circuitBreaker(): one breaker per key (per tool by default), counted here while closed, on opossum otherwise. */
import {
  isCallerMistake,
  MiddlewareError,
  defineMiddleware,
  type CallToolResult,
  type EventChannel,
  type Middleware,
  type MiddlewareEvent,
  type Next,
  type RequestContext,
  type RequestHooks,
  type ToolContext,
} from '@mcp-middleware/core';
import { describeTarget, outcomeOfError, outcomeOfResult, WeakChannels } from '@mcp-middleware/core/helpers';
import { openMessage, retryAfterMs, type BreakerState } from './failure.js';
import { absorb, report } from './guard.js';
import { requestKey } from './keys.js';
import { isOpenRejection, makeBreaker, type Breaker, type Run } from './opossum.js';
import { readBreakerOptions, type CircuitBreakerOptions } from './options.js';
import { BUCKETS, BreakerRegistry, type BreakerEntry } from './registry.js';

export type { BreakerInfo, CircuitBreakerOptions } from './options.js';

/** The middleware, plus its breakers' states for metrics and a way to stop its timers. */
export interface CircuitBreakerMiddleware extends Middleware {
  /** A snapshot of every live breaker's state, by key. */
  states(): Map<string, BreakerState>;
  /** Stops the rotation timer and every breaker; later calls start with fresh, closed breakers. */
  shutdown(): void;
}

const HOOK_NAMES: Record<BreakerState, string> = {
  open: 'onOpen',
  'half-open': 'onHalfOpen',
  closed: 'onClose',
};

// An isError answer that counts as a failure travels through opossum as this, and comes back out as the answer.
class FailedAnswer extends Error {
  constructor(readonly result: CallToolResult) {
    super('the tool answered with an error that counts as a failure');
  }
}

/**
 * Short-circuits calls to a failing tool: after more than `errorThresholdPercentage` failures among at
 * least `volumeThreshold` calls in `rollingWindowMs`, calls get `CIRCUIT_OPEN` without running the
 * handler; after `resetTimeoutMs` one probe goes through, and its success closes the breaker.
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreakerMiddleware {
  const {
    errorThresholdPercentage,
    volumeThreshold,
    rollingWindowMs,
    resetTimeoutMs,
    keyOf,
    keyedByTool,
    counts,
    fallback,
    maxBreakers,
    clock,
    hooks,
    operations,
  } = readBreakerOptions(options);
  // Held weakly: one breaker shared by pipelines built per request must not keep every pipeline alive.
  const channels = new WeakChannels();

  const publish = (entry: BreakerEntry, state: BreakerState, ctx: RequestContext | undefined): void => {
    // Only a tool call names a tool: a resource URI or prompt name never reaches a `tool` field.
    const tool = ctx?.operation === 'tools/call' ? ctx.target : entry.tool;
    const event: MiddlewareEvent = { type: 'breaker', key: entry.key, tool, state };
    const emit = (e: MiddlewareEvent): void => {
      if (ctx !== undefined) ctx.emit(e);
      else channels.emit(e);
    };
    emit(event);
    const hook = hooks[state];
    if (hook === undefined) return;
    const what = HOOK_NAMES[state];
    // Outside a call (the half-open timer) the warning goes to the attached channels.
    const failed = (cause: unknown): void => {
      if (ctx !== undefined) report(what, cause, ctx);
      else emit({ type: 'warning', source: 'circuitBreaker', message: `${what} threw`, cause });
    };
    let returned: unknown;
    try {
      returned = hook({ key: entry.key, tool, ctx });
    } catch (cause) {
      failed(cause);
      return;
    }
    absorb(what, returned, ctx, failed);
  };

  // Runs inside opossum: an answer the classifier calls a failure is thrown so opossum counts it. Only a
  // tool call answers isError; other requests fail by throwing, so their breakers call `next` bare.
  const toolAction = async (ctx: RequestContext, next: Run): Promise<unknown> => {
    const result = (await next(ctx)) as CallToolResult;
    if (result.isError === true && counts(outcomeOfResult(result), ctx)) throw new FailedAnswer(result);
    return result;
  };
  const requestAction = (ctx: RequestContext, next: Run): Promise<unknown> => next(ctx);
  // opossum counts a rejection as a success when this returns true. It calls this inside a .catch()
  // without a try: a throw here would leave the call unanswered and the rejection unhandled, so nothing
  // may escape (a hostile thrown value makes even `instanceof` throw).
  const errorFilter = (error: unknown, ctx?: RequestContext): boolean => {
    try {
      if (isFailedAnswer(error)) return false;
      // The SDK's answer to a bad request (`notes://nope` not found) says nothing about the dependency.
      if (isCallerMistake(error)) return true;
      return ctx !== undefined && !counts(outcomeOfError(error), ctx);
    } catch {
      return false;
    }
  };

  // opossum's breaker of an entry whose window tripped, its events wired to the entry.
  const wire = (entry: BreakerEntry): Breaker => {
    const breaker = makeBreaker(entry.key, entry.isTool ? toolAction : requestAction, {
      resetTimeoutMs,
      errorThresholdPercentage,
      volumeThreshold,
      rollingWindowMs,
      buckets: BUCKETS,
      rotor: registry.rotor,
      errorFilter,
    });
    breaker.on('failure', (_error, _latencyMs, args) => {
      entry.failed = args[0];
    });
    breaker.on('open', () => {
      // opossum starts its reset timer from Date.now() too.
      entry.openedAt = Date.now();
      const cause = entry.failed;
      entry.failed = entry.probe = undefined;
      publish(entry, 'open', cause);
    });
    breaker.on('halfOpen', () => publish(entry, 'half-open', undefined));
    breaker.on('close', () => {
      const probe = entry.probe;
      entry.probe = undefined;
      registry.closed(entry);
      publish(entry, 'closed', probe);
    });
    return breaker;
  };
  const registry = new BreakerRegistry({
    maxBreakers,
    volumeThreshold,
    errorThresholdPercentage,
    rollingWindowMs,
    keyedByTool,
    clock,
    makeBreaker: wire,
  });

  const openError = (ctx: RequestContext, entry: BreakerEntry): MiddlewareError => {
    const state: BreakerState = entry.breaker?.opened === true ? 'open' : 'half-open';
    const waitMs = state === 'open' ? retryAfterMs(entry.openedAt, resetTimeoutMs, Date.now()) : undefined;
    ctx.emit({ type: 'reject', code: 'CIRCUIT_OPEN', source: 'circuitBreaker' });
    return new MiddlewareError('CIRCUIT_OPEN', openMessage(describeTarget(ctx), state, waitMs), {
      retryAfterMs: waitMs,
      data: { state },
    });
  };

  const shortCircuit = (ctx: ToolContext, entry: BreakerEntry): Promise<CallToolResult> => {
    const error = openError(ctx, entry);
    if (fallback === undefined) return Promise.reject(error);
    // A fallback that throws or rejects leaves the caller with the CIRCUIT_OPEN it would have had.
    const failed = (cause: unknown): Promise<never> => {
      report('fallback', cause, ctx);
      return Promise.reject(error);
    };
    try {
      return Promise.resolve(fallback(ctx, error)).catch(failed);
    } catch (cause) {
      return failed(cause);
    }
  };

  // While closed, a call runs bare and is counted in the registry's window; opossum sees it only from a
  // trip until a probe closes it again.
  const closedCall = <R>(entry: BreakerEntry, ctx: RequestContext, next: Run): Promise<R> =>
    next(ctx).then(
      (result) => {
        const answer = result as CallToolResult;
        if (entry.isTool && answer.isError === true && counts(outcomeOfResult(answer), ctx)) {
          registry.failed(entry, ctx);
        } else registry.succeeded(entry);
        return result as R;
      },
      (error: unknown) => {
        if (errorFilter(error, ctx)) registry.succeeded(entry);
        else registry.failed(entry, ctx);
        throw error;
      },
    );

  const fire = (entry: BreakerEntry, ctx: RequestContext, next: Run): Promise<unknown> => {
    const breaker = entry.breaker as Breaker;
    if (breaker.halfOpen && breaker.pendingClose) entry.probe = ctx;
    return breaker.fire(ctx, next).catch((error: unknown) => {
      if (entry.failed === ctx) entry.failed = undefined;
      throw error;
    });
  };

  const middleware = function circuitBreaker(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const entry = registry.enter(keyOf(ctx), true);
    if (!entry.tripped) return closedCall(entry, ctx, next as Run);
    return (fire(entry, ctx, next as Run) as Promise<CallToolResult>).catch((error: unknown) => {
      if (isFailedAnswer(error)) return error.result;
      if (isOpenRejection(error)) return shortCircuit(ctx, entry);
      throw error;
    });
  };

  // A resource read or prompt get: its breaker is keyed by a bounded key (see keys.ts), no fallback.
  const guard = <R>(ctx: RequestContext, next: (ctx: RequestContext) => Promise<R>): Promise<R> => {
    const entry = registry.enter(requestKey(ctx), false);
    if (!entry.tripped) return closedCall(entry, ctx, next);
    return (fire(entry, ctx, next) as Promise<R>).catch((error: unknown) => {
      throw isOpenRejection(error) ? openError(ctx, entry) : error;
    });
  };

  const requests: RequestHooks = {
    ...(operations.has('resources/read') ? { 'resources/read': guard } : {}),
    ...(operations.has('prompts/get') ? { 'prompts/get': guard } : {}),
  };
  const attach = (channel: EventChannel): void => {
    channels.add(channel);
  };
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

// Both checks read the thrown value, which may be hostile (a revoked Proxy throws on any read).
function isFailedAnswer(error: unknown): error is FailedAnswer {
  try {
    return error instanceof FailedAnswer;
  } catch {
    return false;
  }
}
