/** circuitBreaker(): one opossum breaker per key (per tool by default), created lazily, bounded in number. */
import { EventEmitter } from 'node:events';
import {
  MiddlewareError,
  outcomeOfError,
  outcomeOfResult,
  readOptions,
  systemClock,
  type CallToolResult,
  type Clock,
  type EventChannel,
  type Middleware,
  type MiddlewareEvent,
  type Next,
  type Outcome,
  type TimerHandle,
  type ToolContext,
} from '@mcp-middleware/core';
import CircuitBreaker from 'opossum';
import { isDependencyFailure, openMessage, retryAfterMs, type BreakerState } from './failure.js';

/** What the state hooks receive. `ctx` is the call that caused the change; none for the half-open timer. */
export interface BreakerInfo {
  readonly key: string;
  readonly tool: string | undefined;
  readonly ctx: ToolContext | undefined;
}

/** Options of {@link circuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Opens when more than this percentage of calls in the window failed (0 to 100). @default 50 */
  readonly errorThresholdPercentage?: number;
  /** Calls needed in the window before the breaker may open. @default 10 */
  readonly volumeThreshold?: number;
  /** How far back calls count, in ten buckets. @default 10000 */
  readonly rollingWindowMs?: number;
  /** How long an open breaker rejects before letting one probe call through. @default 30000 */
  readonly resetTimeoutMs?: number;
  /** Which breaker a call uses. @default the tool name */
  readonly keyBy?: (ctx: ToolContext) => string;
  /**
   * Which outcomes count as failures.
   * @default isDependencyFailure: thrown errors without a code, TIMEOUT, UPSTREAM_ERROR; never an `isError` answer or a cancelled call
   */
  readonly isFailure?: (outcome: Outcome, ctx: ToolContext) => boolean;
  /** Answers short-circuited calls instead of a CIRCUIT_OPEN error. @default none */
  readonly fallback?: (ctx: ToolContext, error: MiddlewareError) => CallToolResult | Promise<CallToolResult>;
  /** At most this many breakers; the least recently used closed one goes first. @default 1000 */
  readonly maxBreakers?: number;
  /** Drives the rolling window. The reset timer is opossum's own real timer. @default systemClock */
  readonly clock?: Clock;
  /** Called when a breaker opens. A throwing hook never fails a call. @default none */
  readonly onOpen?: ((info: BreakerInfo) => void) | undefined;
  /** Called when a breaker lets a probe through. @default none */
  readonly onHalfOpen?: ((info: BreakerInfo) => void) | undefined;
  /** Called when a probe succeeded and the breaker closed. @default none */
  readonly onClose?: ((info: BreakerInfo) => void) | undefined;
}

/** The middleware, plus its breakers' states for metrics and a way to stop its timers. */
export interface CircuitBreakerMiddleware extends Middleware {
  /** A snapshot of every live breaker's state, by key. */
  states(): Map<string, BreakerState>;
  /** Stops the rotation timer and every breaker; later calls start with fresh, closed breakers. */
  shutdown(): void;
}

const KNOWN_OPTIONS = [
  'errorThresholdPercentage',
  'volumeThreshold',
  'rollingWindowMs',
  'resetTimeoutMs',
  'keyBy',
  'isFailure',
  'fallback',
  'maxBreakers',
  'clock',
  'onOpen',
  'onHalfOpen',
  'onClose',
] as const;
const BUCKETS = 10;
const MAX_TIMER_MS = 2_147_483_647;

type Breaker = CircuitBreaker<[ToolContext, Next], CallToolResult>;

interface Entry {
  readonly key: string;
  readonly breaker: Breaker;
  readonly tool: string | undefined;
  used: number;
  openedAt: number;
  // The calls behind the next state change, so its event reaches that call's pipeline.
  failed: ToolContext | undefined;
  probe: ToolContext | undefined;
}

// An isError answer that counts as a failure travels through opossum as this, and comes back out as the answer.
class FailedAnswer extends Error {
  constructor(readonly result: CallToolResult) {
    super('the tool answered with an error that counts as a failure');
  }
}

const byTool = (ctx: ToolContext): string => ctx.tool.name;

/**
 * Short-circuits calls to a failing tool: after more than `errorThresholdPercentage` failures among at
 * least `volumeThreshold` calls in `rollingWindowMs`, calls get `CIRCUIT_OPEN` without running the
 * handler; after `resetTimeoutMs` one probe goes through, and its success closes the breaker.
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreakerMiddleware {
  const reader = readOptions('circuitBreaker', options, KNOWN_OPTIONS);
  const errorThresholdPercentage = reader.number('errorThresholdPercentage', {
    min: 0,
    max: 100,
    default: 50,
  });
  const volumeThreshold = reader.integer('volumeThreshold', { min: 0, max: 1_000_000, default: 10 });
  const rollingWindowMs = reader.integer('rollingWindowMs', { min: 100, max: 86_400_000, default: 10_000 });
  const resetTimeoutMs = reader.integer('resetTimeoutMs', { min: 1, max: MAX_TIMER_MS, default: 30_000 });
  const keyBy = reader.function<(ctx: ToolContext) => string>('keyBy') ?? byTool;
  const isFailure =
    reader.function<(outcome: Outcome, ctx: ToolContext) => boolean>('isFailure') ?? isDependencyFailure;
  const fallback = reader.function<NonNullable<CircuitBreakerOptions['fallback']>>('fallback');
  const maxBreakers = reader.integer('maxBreakers', { min: 1, max: 1_000_000, default: 1000 });
  const clock = readClock(reader.raw('clock'), (expected) => reader.fail('clock', expected));
  const hooks: Record<BreakerState, ((info: BreakerInfo) => void) | undefined> = {
    open: reader.function('onOpen'),
    'half-open': reader.function('onHalfOpen'),
    closed: reader.function('onClose'),
  };

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

  const publish = (entry: Entry, state: BreakerState, ctx: ToolContext | undefined): void => {
    const tool = ctx?.tool.name ?? entry.tool;
    const event: MiddlewareEvent = { type: 'breaker', key: entry.key, tool, state };
    const emit = (e: MiddlewareEvent): void => {
      if (ctx !== undefined) ctx.emit(e);
      else for (const channel of channels) if (channel.active) channel.emit(e);
    };
    emit(event);
    const hook = hooks[state];
    if (hook === undefined) return;
    try {
      hook({ key: entry.key, tool, ctx });
    } catch (cause) {
      emit({ type: 'warning', source: 'circuitBreaker', message: `${state} hook threw`, cause });
    }
  };

  // Runs inside opossum: an answer the classifier calls a failure is thrown so opossum counts it.
  const action = async (ctx: ToolContext, next: Next): Promise<CallToolResult> => {
    const result = await next(ctx);
    if (result.isError === true && isFailure(outcomeOfResult(result), ctx)) throw new FailedAnswer(result);
    return result;
  };
  // opossum counts a rejection as a success when this returns true.
  const errorFilter = (error: unknown, ctx?: ToolContext): boolean =>
    !(error instanceof FailedAnswer) && ctx !== undefined && !isFailure(outcomeOfError(error), ctx);

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

  const create = (key: string): Entry => {
    if (entries.size >= maxBreakers) evictOne();
    // opossum keeps and mutates its options object: each breaker gets its own.
    const breaker: Breaker = new CircuitBreaker(action, {
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
      tool: keyBy === byTool ? key : undefined,
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

  const shortCircuit = (ctx: ToolContext, entry: Entry): Promise<CallToolResult> => {
    const state: BreakerState = entry.breaker.opened ? 'open' : 'half-open';
    const waitMs = state === 'open' ? retryAfterMs(entry.openedAt, resetTimeoutMs, Date.now()) : undefined;
    const error = new MiddlewareError('CIRCUIT_OPEN', openMessage(ctx.tool.name, state, waitMs), {
      retryAfterMs: waitMs,
      data: { state },
    });
    ctx.emit({ type: 'reject', code: 'CIRCUIT_OPEN', source: 'circuitBreaker' });
    return fallback === undefined ? Promise.reject(error) : Promise.resolve(fallback(ctx, error));
  };

  const middleware = async function circuitBreaker(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const key = keyBy(ctx);
    const entry = entries.get(key) ?? create(key);
    entry.used = ++tick;
    idleTicks = 0;
    if (!rotating) {
      rotating = true;
      rotation = clock.setTimeout(rotate, rollingWindowMs / BUCKETS);
    }
    const breaker = entry.breaker;
    if (breaker.halfOpen && breaker.pendingClose) entry.probe = ctx;
    try {
      return await breaker.fire(ctx, next);
    } catch (error) {
      if (entry.failed === ctx) entry.failed = undefined;
      if (error instanceof FailedAnswer) return error.result;
      if (isOpenRejection(error)) return shortCircuit(ctx, entry);
      throw error;
    }
  };

  return Object.assign(middleware, {
    attach(channel: EventChannel): void {
      if (!channels.includes(channel)) channels.push(channel);
    },
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
  });
}

function isOpenRejection(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    CircuitBreaker.isOurError(error as Error) &&
    (error as { code?: unknown }).code === 'EOPENBREAKER'
  );
}

function readClock(value: unknown, fail: (expected: string) => never): Clock {
  if (value === undefined) return systemClock;
  const clock = (typeof value === 'object' && value !== null ? value : {}) as Partial<Clock>;
  if (
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function'
  ) {
    fail('a Clock with now(), setTimeout() and clearTimeout()');
  }
  return value as Clock;
}
