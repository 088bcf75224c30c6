// Every user callback of retry() × every kind of thrown value: the call is always answered, nothing is
// left unhandled, and each failing callback is reported as a warning.
import { MiddlewareError, type CallToolResult, type ToolInfo } from '@mcp-middleware/core';
import {
  createTestContext,
  manualClock,
  stubHandler,
  textResult,
  hostileValues,
} from '@mcp-middleware/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetryOptions } from './options.js';
import { retry } from './retry.js';

type Kind = 'throws' | 'rejects';

/** One retry option set whose callback `kind`s `value()` when the call reaches it. */
const CALLBACKS: Record<string, (kind: Kind, value: () => unknown) => RetryOptions> = {
  idempotent: (kind, value) => ({ idempotent: hostile(kind, value) }),
  isIdempotent: (kind, value) => ({ isIdempotent: hostile(kind, value) }),
  shouldRetry: (kind, value) => ({ shouldRetry: hostile(kind, value) }),
  backoff: (kind, value) => ({ backoff: hostile(kind, value) }),
  'backoff.random': (kind, value) => ({ backoff: { random: hostile(kind, value) } }),
  'budget.deposit': (kind, value) => ({
    budget: { deposit: hostile(kind, value), withdraw: () => true },
  }),
  'budget.withdraw': (kind, value) => ({
    budget: { deposit: () => undefined, withdraw: hostile(kind, value) },
  }),
  onRetry: (kind, value) => ({ onRetry: hostile(kind, value) }),
  onGiveUp: (kind, value) => ({ onGiveUp: hostile(kind, value) }),
};

// A callback that throws, or (as an async function would) returns a promise that rejects.
function hostile<T>(kind: Kind, value: () => unknown): () => T {
  return kind === 'throws'
    ? () => {
        throw value();
      }
    : () => Promise.reject(value()) as T;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

const tool: Partial<ToolInfo> = { name: 'search', annotations: { readOnlyHint: true } };
const cases = Object.keys(CALLBACKS).flatMap((option) =>
  (['throws', 'rejects'] as const).flatMap((kind) =>
    hostileValues().map(([name, value]) => [option, kind, name, value] as const),
  ),
);

describe('retry() with a hostile callback', () => {
  it.each(cases)('answers the call when %s %s %s, and warns', async (option, kind, _name, value) => {
    unhandled.length = 0;
    const clock = manualClock();
    const ctx = createTestContext({ clock, tool });
    // Fails with TIMEOUT twice, so every callback is reached (onGiveUp needs a third failure).
    const handler = stubHandler((_ctx, call) => {
      if (call <= 3) throw new MiddlewareError('TIMEOUT', `attempt ${call} timed out`);
      return textResult('ok');
    });
    const middleware = retry({
      retries: 2,
      ...(CALLBACKS[option] as (k: Kind, v: () => unknown) => RetryOptions)(kind, value),
    });
    let outcome: { result?: CallToolResult; error?: unknown } | undefined;
    void middleware(ctx, handler).then(
      (result) => (outcome = { result }),
      (error: unknown) => (outcome = { error }),
    );
    for (let i = 0; i < 50 && outcome === undefined; i++) {
      if (!(await clock.runNext())) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(outcome).toBeDefined();
    // Either answered by a later attempt or the last failure: never the callback's own value.
    if (outcome?.error !== undefined) expect(outcome.error).toBeInstanceOf(MiddlewareError);
    expect(ctx.events).toContainEqual(expect.objectContaining({ type: 'warning', source: 'retry' }));
    expect(clock.pending).toBe(0);
    expect(unhandled).toEqual([]);
  });
});
