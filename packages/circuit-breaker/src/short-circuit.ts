/** What a caller gets while its breaker is open or probing: CIRCUIT_OPEN, or the fallback's answer. */
import {
  MiddlewareError,
  type CallToolResult,
  type RequestContext,
  type ToolContext,
} from '@mcp-middleware/core';
import { describeTarget } from '@mcp-middleware/core/helpers';
import { openMessage, retryAfterMs, type BreakerState } from './failure.js';
import { report } from './guard.js';
import type { CircuitBreakerOptions } from './options.js';
import type { BreakerEntry } from './registry.js';

/** The CIRCUIT_OPEN error for `ctx`, with how long until a probe goes through when the breaker is open. */
export function openError(ctx: RequestContext, entry: BreakerEntry, resetTimeoutMs: number): MiddlewareError {
  const state: BreakerState = entry.breaker?.opened === true ? 'open' : 'half-open';
  const waitMs = state === 'open' ? retryAfterMs(entry.openedAt, resetTimeoutMs, Date.now()) : undefined;
  ctx.emit({ type: 'reject', code: 'CIRCUIT_OPEN', source: 'circuitBreaker' });
  return new MiddlewareError('CIRCUIT_OPEN', openMessage(describeTarget(ctx), state, waitMs), {
    retryAfterMs: waitMs,
    data: { state },
  });
}

/** A short-circuited tool call: the fallback's answer, else (or when the fallback fails) CIRCUIT_OPEN. */
export function shortCircuit(
  ctx: ToolContext,
  entry: BreakerEntry,
  resetTimeoutMs: number,
  fallback: CircuitBreakerOptions['fallback'],
): Promise<CallToolResult> {
  const error = openError(ctx, entry, resetTimeoutMs);
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
}
