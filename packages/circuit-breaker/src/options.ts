/** circuitBreaker() options: the interface users write, and its checked, resolved form (read once). */
import {
  systemClock,
  type CallToolResult,
  type Clock,
  type MiddlewareError,
  type RequestContext,
  type ToolContext,
} from '@mcp-middleware/core';
import { isDependencyFailure, type BreakerState } from './failure.js';
import { ask } from './guard.js';
import { OPERATIONS, type ResilientOperation } from './operations.js';
import { declareOptions, fn, integer, number, operations, value } from '@mcp-middleware/core/options';
import { compileKeyBy, type KeyBy, type Outcome } from '@mcp-middleware/core/helpers';

/**
 * What the state hooks receive. `ctx` is the request that caused the change (`ctx.operation` says which
 * kind); none for the half-open timer. `tool` is set for a tool's breaker only.
 */
export interface BreakerInfo {
  readonly key: string;
  readonly tool: string | undefined;
  readonly ctx: RequestContext | undefined;
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
  /**
   * Which breaker a tool call uses: the parts rateLimit() keys by (`'tool'`, `'principal'`, `'client'`,
   * `'session'`, `'global'`, or a list of them) or a function of the call. A function's answer is the key as
   * it is; if it throws or answers no string, the tool name is the key. Reads and gets are keyed by
   * `requestKey` (the URI's scheme; the prompt name), never by this.
   * @default 'tool': the tool name
   */
  readonly keyBy?: KeyBy | undefined;
  /**
   * Which outcomes count as failures. If it throws (or answers a promise), the default decides and a
   * `warning` is published; the caller still gets the call's own answer.
   * @default isDependencyFailure: failures core classifies as retryable; never an `isError` answer or a cancelled call
   */
  readonly isFailure?: (outcome: Outcome, ctx: RequestContext) => boolean;
  /** Answers short-circuited tool calls instead of a CIRCUIT_OPEN error (reads and gets always get the error). If it throws or rejects, the caller gets CIRCUIT_OPEN. @default none */
  readonly fallback?: (ctx: ToolContext, error: MiddlewareError) => CallToolResult | Promise<CallToolResult>;
  /** At most this many breakers; the least recently used closed one goes first. @default 1000 */
  readonly maxBreakers?: number;
  /** Drives the rolling window. The reset timer is opossum's own real timer. @default systemClock */
  readonly clock?: Clock;
  /** Called when a breaker opens. A hook that throws or rejects never fails a call: it is a `warning`. @default none */
  readonly onOpen?: ((info: BreakerInfo) => void) | undefined;
  /** Called when a breaker lets a probe through. @default none */
  readonly onHalfOpen?: ((info: BreakerInfo) => void) | undefined;
  /** Called when a probe succeeded and the breaker closed. @default none */
  readonly onClose?: ((info: BreakerInfo) => void) | undefined;
  /**
   * The requests guarded: `tools/call`, `resources/read`, `prompts/get`. A short-circuited read or get
   * reaches the client as a JSON-RPC error carrying `CIRCUIT_OPEN` in its data.
   * @default ['tools/call', 'resources/read', 'prompts/get']
   */
  readonly operations?: readonly ResilientOperation[] | undefined;
}

const MAX_TIMER_MS = 2_147_483_647;

/** Every option of {@link CircuitBreakerOptions}: kind, range, default, and one line of doc. */
export const CIRCUIT_BREAKER_OPTIONS = declareOptions<CircuitBreakerOptions>()('circuitBreaker', {
  errorThresholdPercentage: number({
    min: 0,
    max: 100,
    default: 50,
    doc: 'opens when more than this percentage of calls in the window failed',
  }),
  volumeThreshold: integer({
    min: 0,
    max: 1_000_000,
    default: 10,
    doc: 'calls in the window before the breaker may open',
  }),
  rollingWindowMs: integer({
    min: 100,
    max: 86_400_000,
    default: 10_000,
    doc: 'how far back calls count, in milliseconds',
  }),
  resetTimeoutMs: integer({
    min: 1,
    max: MAX_TIMER_MS,
    default: 30_000,
    doc: 'how long an open breaker rejects before one probe',
  }),
  keyBy: value({
    default: 'tool',
    doc: 'which breaker a tool call uses: tool, principal, client, session, global, or a list of them',
  }),
  isFailure: fn('which outcomes count as failures (default: isDependencyFailure)'),
  fallback: fn('answers short-circuited tool calls instead of CIRCUIT_OPEN'),
  maxBreakers: integer({
    min: 1,
    max: 1_000_000,
    default: 1000,
    doc: 'breakers kept; the least recently used closed one goes first',
  }),
  clock: value({ doc: 'drives the rolling window (default: systemClock)', inFile: false }),
  onOpen: fn('called when a breaker opens'),
  onHalfOpen: fn('called when a breaker lets a probe through'),
  onClose: fn('called when a probe succeeded and the breaker closed'),
  operations: operations(OPERATIONS, {
    doc: 'the requests it applies to: tools/call, resources/read, prompts/get',
  }),
});

/** The options of one circuitBreaker(), checked, defaulted, and with every user callback guarded. */
export interface ResolvedBreakerOptions {
  readonly errorThresholdPercentage: number;
  readonly volumeThreshold: number;
  readonly rollingWindowMs: number;
  readonly resetTimeoutMs: number;
  /** The tool name when `keyBy` is `'tool'` (the default); otherwise `keyBy` compiled, which can no longer throw. */
  readonly keyOf: (ctx: ToolContext) => string;
  /** True when the key is the tool name, so events can name the tool. */
  readonly keyedByTool: boolean;
  /** `isFailure`, which can no longer throw: the default decides when it does. */
  readonly counts: (outcome: Outcome, ctx: RequestContext) => boolean;
  readonly fallback: CircuitBreakerOptions['fallback'];
  readonly maxBreakers: number;
  readonly clock: Clock;
  readonly hooks: Readonly<Record<BreakerState, ((info: BreakerInfo) => unknown) | undefined>>;
  readonly operations: ReadonlySet<ResilientOperation>;
}

const byTool = (ctx: ToolContext): string => ctx.tool.name;
const isToolName = (keyBy: unknown): boolean =>
  keyBy === undefined ||
  keyBy === 'tool' ||
  (Array.isArray(keyBy) && keyBy.length === 1 && keyBy[0] === 'tool');

/** Checks `options` (a `ConfigError` naming the bad option) and resolves the defaults. */
export function readBreakerOptions(options: CircuitBreakerOptions): ResolvedBreakerOptions {
  const { values, reader } = CIRCUIT_BREAKER_OPTIONS.read(options);
  const {
    errorThresholdPercentage,
    volumeThreshold,
    rollingWindowMs,
    resetTimeoutMs,
    fallback,
    maxBreakers,
  } = values;
  const keyedByTool = isToolName(values.keyBy);
  // Breaker keys are read by people (states(), events): a lone function's answer stays as it is.
  const keyOf = keyedByTool ? byTool : compileKeyBy('circuitBreaker', values.keyBy, { readable: true });
  const isFailure = values.isFailure ?? isDependencyFailure;
  const clock = readClock(reader.raw('clock'), (expected) => reader.fail('clock', expected));
  const hooks: Record<BreakerState, ((info: BreakerInfo) => void) | undefined> = {
    open: values.onOpen,
    'half-open': values.onHalfOpen,
    closed: values.onClose,
  };

  // The one place the user's isFailure runs: a throw or a promise falls back to the default rule.
  const counts =
    isFailure === isDependencyFailure
      ? isDependencyFailure
      : (outcome: Outcome, ctx: RequestContext): boolean =>
          ask(
            'isFailure',
            () => isFailure(outcome, ctx),
            () => isDependencyFailure(outcome, ctx),
            ctx,
          );

  return {
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
    operations: values.operations,
  };
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
