/** What counts against a breaker, and what a short-circuited caller is told: pure helpers. */
import type { RequestContext } from '@mcp-middleware/core';
import type { Outcome } from '@mcp-middleware/core/helpers';

/** A breaker's state, as `states()` and the `breaker` event report it. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * The default failure rule: a failure core classifies as retryable (`outcome.retryable`, the answer the
 * client reads in `_meta` and retry acts on): an unknown thrown error (the handler or its dependency
 * broke), a retryable `TIMEOUT`, `UPSTREAM_ERROR`, `RATE_LIMITED`… or a relayed result carrying one. Not a
 * failure: a tool's own `isError` answer, a rejection retrying cannot fix (`INVALID_ARGUMENTS`,
 * `FORBIDDEN`, a non-retryable `UPSTREAM_ERROR`, …), and anything after the client cancelled.
 */
export function isDependencyFailure(outcome: Outcome, ctx: RequestContext): boolean {
  return outcome.kind === 'error' && outcome.retryable && !ctx.signal.aborted;
}

/** How long until an open breaker lets a probe through, from when it opened. Never negative. */
export function retryAfterMs(openedAt: number, resetTimeoutMs: number, now: number): number {
  return Math.max(0, openedAt + resetTimeoutMs - now);
}

/**
 * The text a model reads when a breaker short-circuits its call. `target` is what failed, described:
 * "tool `search`", "resource `notes://1`", "prompt `greet`".
 */
export function openMessage(target: string, state: BreakerState, waitMs: number | undefined): string {
  if (state === 'half-open' || waitMs === undefined) {
    return `${target} is failing and one trial call is testing whether it recovered; retry shortly`;
  }
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return `${target} is failing repeatedly and is paused to let it recover; retry after ${seconds} s`;
}
