// RetryPolicy's decisions on their own: which tools, which failures, how long to wait, what the budget allows.
import { MiddlewareError, type ToolInfo } from '@mcp-middleware/core';
import { createTestContext } from '@mcp-middleware/core/testing';
import { outcomeOfError } from '@mcp-middleware/core/helpers';
import { describe, expect, it } from 'vitest';
import { readRetryOptions, type RetryOptions } from './options.js';
import { RetryPolicy } from './policy.js';

function policy(options: RetryOptions = {}): RetryPolicy {
  return new RetryPolicy(readRetryOptions(options));
}

const transient = outcomeOfError(new Error('connection reset'));

describe('RetryPolicy', () => {
  it('asks a user idempotent predicate once per tool (the same ToolInfo), however many calls', () => {
    const asked: string[] = [];
    const p = policy({ idempotent: (tool) => (asked.push(tool.name), tool.name === 'search') });
    const tool: ToolInfo = { name: 'search' };
    const ctx = createTestContext({ tool });
    expect(p.eligible(ctx)).toBe(true);
    expect(p.eligible(ctx)).toBe(true);
    expect(p.eligible(createTestContext({ tool: { name: 'write' } }))).toBe(false);
    expect(asked).toEqual(['search', 'write']);
  });

  it('wants a transient failure and refuses a rejection that says not to retry', () => {
    const p = policy();
    const ctx = createTestContext();
    expect(p.wants(transient, ctx)).toBe(true);
    expect(p.wants(outcomeOfError(new MiddlewareError('FORBIDDEN', 'no')), ctx)).toBe(false);
  });

  it('waits at least the retry-after a failure carries', () => {
    const p = policy({ backoff: () => 10 });
    const limited = outcomeOfError(new MiddlewareError('RATE_LIMITED', 'slow down', { retryAfterMs: 500 }));
    expect(p.delayOf(createTestContext(), 1, limited)).toBe(500);
    expect(p.delayOf(createTestContext(), 1, transient)).toBe(10);
  });

  it('falls back to the default backoff when the user backoff throws, and says so', () => {
    const p = policy({
      backoff: () => {
        throw new Error('bad backoff');
      },
    });
    const ctx = createTestContext();
    const ms = p.delayOf(ctx, 1, transient);
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(ms)).toBe(true);
    expect(ctx.events.some((e) => e.type === 'warning')).toBe(true);
  });

  it('denies a retry when the budget throws', () => {
    const p = policy({
      budget: {
        deposit: () => undefined,
        withdraw: () => {
          throw new Error('budget broke');
        },
      },
    });
    expect(p.withdraw(createTestContext(), 0)).toBe(false);
    expect(policy({ budget: false }).withdraw(createTestContext(), 0)).toBe(true);
  });
});
