import { describe, expect, it } from 'vitest';
import { EventChannel, MiddlewareError, type MiddlewareEvent } from '@mcp-middleware/core';
import { createTestContext, hostileValues } from '@mcp-middleware/core/testing';
import { FailureRule, FailedAnswer } from './classify.js';
import { isDependencyFailure } from './failure.js';
import { BreakerPublisher } from './publisher.js';
import type { BreakerEntry } from './registry.js';

const entry = { key: 'search', tool: 'search' } as BreakerEntry;
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BreakerPublisher', () => {
  it('tells the call that caused a change, and runs its hook with that call', () => {
    const seen: unknown[] = [];
    const publisher = new BreakerPublisher({
      open: (info) => seen.push(info.ctx),
      'half-open': undefined,
      closed: undefined,
    });
    const ctx = createTestContext({ tool: { name: 'search' } });
    publisher.publish(entry, 'open', ctx);
    expect(ctx.events).toContainEqual({ type: 'breaker', key: 'search', tool: 'search', state: 'open' });
    expect(seen).toEqual([ctx]);
  });

  it('outside a call, publishes on every attached channel, and a hook that throws or rejects becomes a warning there', async () => {
    const publisher = new BreakerPublisher({
      open: undefined,
      'half-open': () => {
        throw new Error('hook broke');
      },
      closed: () => Promise.reject(new Error('async hook broke')),
    });
    const channel = new EventChannel();
    const events: MiddlewareEvent[] = [];
    channel.subscribe((event) => events.push(event));
    publisher.channels.add(channel);
    publisher.publish(entry, 'half-open', undefined);
    publisher.publish(entry, 'closed', undefined);
    await flush();
    expect(events.map((e) => e.type)).toEqual(['breaker', 'warning', 'breaker', 'warning']);
    expect(events[1]).toMatchObject({ source: 'circuitBreaker', message: 'onHalfOpen threw' });
    expect(events[3]).toMatchObject({ source: 'circuitBreaker', message: 'onClose threw' });
  });
});

describe('FailureRule', () => {
  const rule = new FailureRule(isDependencyFailure);
  const ctx = createTestContext();

  it('never throws from errorFilter, whatever was thrown (opossum calls it without a try)', () => {
    for (const [name, make] of hostileValues())
      expect(() => rule.errorFilter(make(), ctx), name).not.toThrow();
  });

  it('counts a retryable failure and a failed answer, not a caller mistake or a tool’s own isError', () => {
    expect(rule.errorFilter(new MiddlewareError('UPSTREAM_ERROR', 'down', { retryable: true }), ctx)).toBe(
      false,
    );
    expect(rule.errorFilter(new MiddlewareError('INVALID_ARGUMENTS', 'bad'), ctx)).toBe(true);
    expect(rule.errorFilter(new FailedAnswer({ content: [], isError: true }), ctx)).toBe(false);
    expect(rule.failedAnswer({ content: [{ type: 'text', text: 'no such row' }], isError: true }, ctx)).toBe(
      false,
    );
  });
});
