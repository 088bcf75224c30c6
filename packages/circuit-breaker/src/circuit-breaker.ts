/** circuitBreaker(): one opossum breaker per key (per tool by default), created lazily, bounded in number. */
import { EventEmitter } from 'node:events';
import {
  describeTarget,
  isCallerMistake,
  MiddlewareError,
  defineMiddleware,
  outcomeOfError,
  outcomeOfResult,
  type CallToolResult,
  type EventChannel,
  type Middleware,
  type MiddlewareEvent,
  type Next,
  type RequestContext,
  type RequestHooks,
  type TimerHandle,
  type ToolContext,
} from '@mcp-middleware/core';
import CircuitBreaker from 'opossum';
import { openMessage, retryAfterMs, type BreakerState } from './failure.js';
import { absorb, report } from './guard.js';
import { requestKey } from './keys.js';
import { readBreakerOptions, type CircuitBreakerOptions } from './options.js';

export type { BreakerInfo, CircuitBreakerOptions } from './options.js';

/** The middleware, plus its breakers' states for metrics and a way to stop its timers. */
export interface CircuitBreakerMiddleware extends Middleware {
  /** A snapshot of every live breaker's state, by key. */
  states(): Map<string, BreakerState>;
  /** Stops the rotation timer and every breaker; later calls start with fresh, closed breakers. */
  shutdown(): void;
}

const BUCKETS = 10;
const HOOK_NAMES: Record<BreakerState, string> = {
  open: 'onOpen',
  'half-open': 'onHalfOpen',
  closed: 'onClose',
};

type Run = (ctx: RequestContext) => Promise<unknown>;
type Breaker = CircuitBreaker<[RequestContext, Run], unknown>;

interface Entry {
  readonly key: string;
  readonly breaker: Breaker;
  readonly tool: string | undefined;
  used: number;
  openedAt: number;
  // The calls behind the next state change, so its event reaches that call's pipeline.
  failed: RequestContext | undefined;
  probe: RequestContext | undefined;
}

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
  const entries = new Map<string, Entry>();
  const channels: EventChannel[] = [];
  // One timer rotates the rolling windows of every breaker, instead of opossum's two intervals each.
  const rotor = new EventEmitter().setMaxListeners(0);
  // It stops once a whole window passed without a call (every bucket is empty then) and restarts with
  // the next call, so an idle server holds no timer.
  let rotation: TimerHandle = undefined;
  let rotating = false;
  let idleTicks = 0;
  let tick = 0;
  const rotate = (): void => {
    rotor.emit('rotate');
    if (++idleTicks >= BUCKETS) rotating = false;
    else rotation = clock.setTimeout(rotate, rollingWindowMs / BUCKETS);
  };

  const publish = (entry: Entry, state: BreakerState, ctx: RequestContext | undefined): void => {
    // Only a tool call names a tool: a resource URI or prompt name never reaches a `tool` field.
    const tool = ctx?.operation === 'tools/call' ? ctx.target : entry.tool;
    const event: MiddlewareEvent = { type: 'breaker', key: entry.key, tool, state };
    const emit = (e: MiddlewareEvent): void => {
      if (ctx !== undefined) ctx.emit(e);
      else for (const channel of channels) if (channel.active) channel.emit(e);
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

  const evictOne = (): void => {
    let victim: Entry | undefined;
    for (const entry of entries.values()) {
      const better =
        victim === undefined ||
        (entry.breaker.closed && !victim.breaker.closed) ||
        (entry.breaker.closed === victim.breaker.closed && entry.used < victim.used);
      if (better) victim = entry;
    }
    if (victim === undefined) return;
    entries.delete(victim.key);
    victim.breaker.shutdown();
  };

  const create = (key: string, isTool: boolean): Entry => {
    if (entries.size >= maxBreakers) evictOne();
    // opossum keeps and mutates its options object: each breaker gets its own.
    const breaker: Breaker = new CircuitBreaker(isTool ? toolAction : requestAction, {
      name: key,
      timeout: false,
      resetTimeout: resetTimeoutMs,
      errorThresholdPercentage,
      volumeThreshold,
      rollingCountTimeout: rollingWindowMs,
      rollingCountBuckets: BUCKETS,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: rotor,
      errorFilter,
    });
    const entry: Entry = {
      key,
      breaker,
      tool: keyedByTool && isTool ? key : undefined,
      used: 0,
      openedAt: 0,
      failed: undefined,
      probe: undefined,
    };
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
      publish(entry, 'closed', probe);
    });
    entries.set(key, entry);
    return entry;
  };

  const openError = (ctx: RequestContext, entry: Entry): MiddlewareError => {
    const state: BreakerState = entry.breaker.opened ? 'open' : 'half-open';
    const waitMs = state === 'open' ? retryAfterMs(entry.openedAt, resetTimeoutMs, Date.now()) : undefined;
    ctx.emit({ type: 'reject', code: 'CIRCUIT_OPEN', source: 'circuitBreaker' });
    return new MiddlewareError('CIRCUIT_OPEN', openMessage(describeTarget(ctx), state, waitMs), {
      retryAfterMs: waitMs,
      data: { state },
    });
  };

  const shortCircuit = (ctx: ToolContext, entry: Entry): Promise<CallToolResult> => {
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

  // The breaker of `key`, marked used; starts the rotation timer after an idle spell.
  const enter = (key: string, isTool: boolean): Entry => {
    const entry = entries.get(key) ?? create(key, isTool);
    entry.used = ++tick;
    idleTicks = 0;
    if (!rotating) {
      rotating = true;
      rotation = clock.setTimeout(rotate, rollingWindowMs / BUCKETS);
    }
    return entry;
  };

  const middleware = async function circuitBreaker(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const entry = enter(keyOf(ctx), true);
    const breaker = entry.breaker;
    if (breaker.halfOpen && breaker.pendingClose) entry.probe = ctx;
    try {
      return (await breaker.fire(ctx, next as Run)) as CallToolResult;
    } catch (error) {
      if (entry.failed === ctx) entry.failed = undefined;
      if (isFailedAnswer(error)) return error.result;
      if (isOpenRejection(error)) return shortCircuit(ctx, entry);
      throw error;
    }
  };

  // A resource read or prompt get: its breaker is keyed by a bounded key (see keys.ts), no fallback.
  const guard = async <R>(ctx: RequestContext, next: (ctx: RequestContext) => Promise<R>): Promise<R> => {
    const entry = enter(requestKey(ctx), false);
    const breaker = entry.breaker;
    if (breaker.halfOpen && breaker.pendingClose) entry.probe = ctx;
    try {
      return (await breaker.fire(ctx, next)) as R;
    } catch (error) {
      if (entry.failed === ctx) entry.failed = undefined;
      if (isOpenRejection(error)) throw openError(ctx, entry);
      throw error;
    }
  };

  const requests: RequestHooks = {
    ...(operations.has('resources/read') ? { 'resources/read': guard } : {}),
    ...(operations.has('prompts/get') ? { 'prompts/get': guard } : {}),
  };
  const attach = (channel: EventChannel): void => {
    if (!channels.includes(channel)) channels.push(channel);
  };
  const api = {
    attach,
    states(): Map<string, BreakerState> {
      const states = new Map<string, BreakerState>();
      for (const [key, { breaker }] of entries) {
        states.set(key, breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed');
      }
      return states;
    },
    shutdown(): void {
      if (rotating) clock.clearTimeout(rotation);
      rotating = false;
      for (const { breaker } of entries.values()) breaker.shutdown();
      entries.clear();
    },
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

function isOpenRejection(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  try {
    return CircuitBreaker.isOurError(error as Error) && (error as { code?: unknown }).code === 'EOPENBREAKER';
  } catch {
    return false;
  }
}
