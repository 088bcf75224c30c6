import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import {
  ConfigError,
  EventChannel,
  principalKey,
  type MiddlewareEvent,
  type ToolContext,
} from '@mcp-middleware/core';
import {
  createTestContext,
  manualClock,
  rejectionOf,
  stubHandler,
  type ManualClock,
} from '@mcp-middleware/core/testing';
import { rateLimit, type RateLimitOptions, type RateLimitRejection } from './rate-limit.js';
import { redisStore } from './redis-store.js';
import type { RateLimitStore, WindowState } from './store.js';

function harness(options: RateLimitOptions, clock: ManualClock = manualClock()) {
  const events: MiddlewareEvent[] = [];
  const channel = new EventChannel();
  channel.subscribe((event) => events.push(event));
  const middleware = rateLimit(options);
  const handler = stubHandler();
  const call = (
    setup: { principal?: string; tool?: string; signal?: AbortSignal; args?: Record<string, unknown> } = {},
  ) => {
    const ctx = createTestContext({
      clock,
      events: channel,
      tool: { name: setup.tool ?? 'search' },
      args: setup.args,
      signal: setup.signal,
    });
    if (setup.principal !== undefined) {
      ctx.set(principalKey, { id: setup.principal, scopes: [], roles: [], claims: {} });
    }
    return middleware(ctx, handler);
  };
  return { call, clock, events, handler };
}

// A store whose backend is down: every call fails, as a Redis outage does.
const brokenStore = (): RateLimitStore => ({
  kind: 'broken',
  bind: () => ({ consume: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) }),
});

describe('rateLimit', () => {
  describe('options', () => {
    it('requires limit', () => {
      expect(() => rateLimit({} as RateLimitOptions)).toThrow(ConfigError);
    });

    it('rejects an unknown option with a suggestion', () => {
      expect(() => rateLimit({ limit: 1, windowMS: 10 } as unknown as RateLimitOptions)).toThrow(
        'did you mean windowMs?',
      );
    });

    it('rejects maxWaitMs without queue mode', () => {
      expect(() => rateLimit({ limit: 1, maxWaitMs: 10 })).toThrow(
        'maxWaitMs applies only with mode: "queue"',
      );
    });

    it('rejects a fractional cost', () => {
      expect(() => rateLimit({ limit: 5, cost: 1.5 })).toThrow(ConfigError);
    });

    it('rejects a Redis window that is not whole seconds', () => {
      const client = new Redis({ lazyConnect: true });
      expect(() => rateLimit({ limit: 5, windowMs: 1500, store: redisStore({ client }) })).toThrow(
        'windowMs must be a whole number of seconds with redisStore',
      );
      client.disconnect();
    });
  });

  describe('in reject mode', () => {
    it('admits limit calls per key within windowMs', async () => {
      const { call, handler } = harness({ limit: 3, windowMs: 60_000 });
      for (let i = 0; i < 3; i++) await call();
      expect(handler.calls).toHaveLength(3);
    });

    it('rejects the call that exceeds limit within windowMs, without calling the handler', async () => {
      const { call, handler } = harness({ limit: 2, windowMs: 60_000 });
      await call();
      await call();
      const error = await rejectionOf(call(), 'RATE_LIMITED');
      expect(error.code).toBe('RATE_LIMITED');
      expect(handler.calls).toHaveLength(2);
    });

    it('says in words which tool, what limit and when to retry', async () => {
      const { call, clock } = harness({ limit: 10, windowMs: 60_000 });
      for (let i = 0; i < 10; i++) await call();
      await clock.advance(48_500);
      const error = await rejectionOf(call(), 'RATE_LIMITED');
      expect(error.message).toBe(
        'rate limit for tool `search` exceeded (10 calls per 60 s); retry after 12 s',
      );
    });

    it('marks the rejection retryable with retryAfterMs and { limit, remaining, windowMs }', async () => {
      const { call, clock } = harness({ limit: 1, windowMs: 10_000 });
      await call();
      await clock.advance(4000);
      const error = await rejectionOf(call(), 'RATE_LIMITED');
      expect(error.retryable).toBe(true);
      expect(error.retryAfterMs).toBe(6000);
      expect(error.data).toEqual({ limit: 1, remaining: 0, windowMs: 10_000 });
    });

    it('admits again once the window has passed on the clock', async () => {
      const { call, clock, handler } = harness({ limit: 1, windowMs: 1000 });
      await call();
      await clock.advance(1000);
      await call();
      expect(handler.calls).toHaveLength(2);
    });

    it('emits a reject event from source rateLimit', async () => {
      const { call, events } = harness({ limit: 1 });
      await call();
      await call().catch(() => undefined);
      expect(events).toEqual([{ type: 'reject', code: 'RATE_LIMITED', source: 'rateLimit' }]);
    });

    it('limits each principal separately by default', async () => {
      const { call, handler } = harness({ limit: 1 });
      await call({ principal: 'alice' });
      await call({ principal: 'bob' });
      await expect(call({ principal: 'alice' })).rejects.toThrow('rate limit');
      expect(handler.calls).toHaveLength(2);
    });

    it('limits each tool separately by default', async () => {
      const { call, handler } = harness({ limit: 1 });
      await call({ tool: 'search' });
      await call({ tool: 'fetch' });
      expect(handler.calls).toHaveLength(2);
    });

    it('shares one limit across principals and tools with keyBy "global"', async () => {
      const { call } = harness({ limit: 1, keyBy: 'global' });
      await call({ principal: 'alice', tool: 'search' });
      await expect(call({ principal: 'bob', tool: 'fetch' })).rejects.toThrow('rate limit');
    });

    it('reads time from the clock option when one is given', async () => {
      const own = manualClock();
      const { call, clock, handler } = harness({ limit: 1, windowMs: 1000, clock: own });
      await call();
      await clock.advance(5000);
      await expect(call()).rejects.toThrow('rate limit');
      await own.advance(1000);
      await call();
      expect(handler.calls).toHaveLength(2);
    });
  });

  describe('cost', () => {
    it('spends the points a cost function gives each call', async () => {
      const { call, handler } = harness({
        limit: 10,
        cost: (ctx: ToolContext) => Number(ctx.args?.['pages']),
      });
      await call({ args: { pages: 6 } });
      const error = await rejectionOf(call({ args: { pages: 5 } }), 'RATE_LIMITED');
      await call({ args: { pages: 4 } });
      expect(error.message).toContain('this call costs 5 of 10 points per 60 s, 4 left');
      expect(handler.calls).toHaveLength(2);
    });

    it('never counts a call that costs 0', async () => {
      const { call, handler } = harness({ limit: 1, cost: 0 });
      for (let i = 0; i < 5; i++) await call();
      expect(handler.calls).toHaveLength(5);
    });

    it('rejects a call that costs more than limit as not retryable', async () => {
      const { call } = harness({ limit: 3, cost: 4 });
      const error = await rejectionOf(call(), 'RATE_LIMITED');
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('can never be admitted');
    });

    it('counts a call whose cost function returns a non-integer as costing 1, with a warning', async () => {
      const { call, events } = harness({ limit: 2, cost: () => Number.NaN });
      await call();
      await call();
      expect((await rejectionOf(call(), 'RATE_LIMITED')).code).toBe('RATE_LIMITED');
      expect(events.filter((e) => e.type === 'warning')).toHaveLength(3);
    });
  });

  describe('in queue mode', () => {
    it('runs a call over the limit once its window ends', async () => {
      const { call, clock, handler } = harness({ limit: 1, windowMs: 1000, mode: 'queue', maxWaitMs: 5000 });
      await call();
      const queued = call();
      await clock.advance(999);
      const before = handler.calls.length;
      await clock.advance(1);
      await queued;
      expect([before, handler.calls.length]).toEqual([1, 2]);
    });

    it('rejects at once a call that could not be admitted within maxWaitMs', async () => {
      const { call, clock } = harness({ limit: 1, windowMs: 10_000, mode: 'queue', maxWaitMs: 5000 });
      await call();
      const error = await rejectionOf(call(), 'RATE_LIMITED');
      expect(error.code).toBe('RATE_LIMITED');
      expect(clock.pending).toBe(0);
    });

    it('rejects a waiting call with CANCELLED as soon as its request is cancelled, leaving no timer', async () => {
      const { call, clock } = harness({ limit: 1, windowMs: 1000, mode: 'queue' });
      await call();
      const controller = new AbortController();
      const waiting = call({ signal: controller.signal });
      controller.abort();
      const error = await rejectionOf(waiting, 'CANCELLED');
      expect(error.code).toBe('CANCELLED');
      expect(clock.pending).toBe(0);
    });

    it('waits again when others took the new window first', async () => {
      const { call, clock, handler } = harness({ limit: 1, windowMs: 1000, mode: 'queue', maxWaitMs: 5000 });
      await call();
      const first = call();
      const second = call();
      await clock.advance(2000);
      await Promise.all([first, second]);
      expect(handler.calls).toHaveLength(3);
    });
  });

  describe('when the store fails', () => {
    it('counts in memory with "memory-fallback"', async () => {
      const { call, handler } = harness({ limit: 2, store: brokenStore() });
      await call();
      await call();
      await expect(call()).rejects.toThrow('rate limit for tool `search` exceeded');
      expect(handler.calls).toHaveLength(2);
    });

    it('emits a warning event that names the store and the policy', async () => {
      const { call, events } = harness({ limit: 2, store: brokenStore() });
      await call();
      expect(events).toEqual([
        {
          type: 'warning',
          source: 'rateLimit',
          message:
            'rate limit store "broken" failed: connect ECONNREFUSED 127.0.0.1:1; counting in this process until it answers',
          cause: expect.any(Error) as Error,
        },
      ]);
    });

    it('warns at most once per 10 s while the store keeps failing', async () => {
      const { call, clock, events } = harness({ limit: 100, store: brokenStore() });
      for (let i = 0; i < 5; i++) await call();
      await clock.advance(10_000);
      await call();
      expect(events.filter((e) => e.type === 'warning')).toHaveLength(2);
    });

    it('reports the store answering again once, after an outage', async () => {
      let down = true;
      const store: RateLimitStore = {
        kind: 'flaky',
        bind: () => ({
          consume: () =>
            down
              ? Promise.reject(new Error('down'))
              : Promise.resolve({ allowed: true, remaining: 1, resetInMs: 1000 }),
        }),
      };
      const { call, events } = harness({ limit: 100, store });
      for (let i = 0; i < 20; i++) await call();
      down = false;
      for (let i = 0; i < 20; i++) await call();
      const messages = events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
      expect(messages).toEqual([
        'rate limit store "flaky" failed: down; counting in this process until it answers',
        'rate limit store "flaky" answers again; counting there',
      ]);
    });

    it('admits every call with "fail-open"', async () => {
      const { call, handler } = harness({ limit: 1, store: brokenStore(), onStoreError: 'fail-open' });
      for (let i = 0; i < 3; i++) await call();
      expect(handler.calls).toHaveLength(3);
    });

    it('rejects every call with "fail-closed", retryable after 1 s', async () => {
      const { call, handler } = harness({ limit: 5, store: brokenStore(), onStoreError: 'fail-closed' });
      const error = await rejectionOf(call(), 'RATE_LIMITED');
      expect([error.code, error.retryAfterMs, error.data?.['reason']]).toEqual([
        'RATE_LIMITED',
        1000,
        'store-unavailable',
      ]);
      expect(handler.calls).toHaveLength(0);
    });

    it('keeps the store error out of the text a client sees under "fail-closed"', async () => {
      const { call } = harness({ limit: 5, store: brokenStore(), onStoreError: 'fail-closed' });
      const error = await rejectionOf(call(), 'RATE_LIMITED');
      expect(error.message).toBe('rate limiting for tool `search` is unavailable right now; retry after 1 s');
    });

    it('uses the store again as soon as it answers', async () => {
      let down = true;
      const answers: WindowState = { allowed: false, remaining: 0, resetInMs: 500 };
      const flaky: RateLimitStore = {
        kind: 'flaky',
        bind: () => ({
          consume: () => (down ? Promise.reject(new Error('down')) : Promise.resolve(answers)),
        }),
      };
      const { call } = harness({ limit: 5, store: flaky });
      await call();
      down = false;
      await expect(call()).rejects.toThrow('retry after 1 s');
    });
  });

  describe('onReject', () => {
    it('tells the hook why and for which key a call was rejected', async () => {
      const seen: RateLimitRejection[] = [];
      const { call } = harness({ limit: 1, keyBy: 'global', onReject: (r) => seen.push(r) });
      await call();
      await call().catch(() => undefined);
      expect(seen).toEqual([{ reason: 'limit', key: 'g', cost: 1, remaining: 0, retryAfterMs: 60_000 }]);
    });

    it('still rejects with RATE_LIMITED when the hook throws', async () => {
      const { call, events } = harness({
        limit: 1,
        onReject: () => {
          throw new Error('hook bug');
        },
      });
      await call();
      const error = await rejectionOf(call(), 'RATE_LIMITED');
      expect(error.code).toBe('RATE_LIMITED');
      expect(events.map((e) => e.type)).toEqual(['reject', 'warning']);
    });
  });
});
