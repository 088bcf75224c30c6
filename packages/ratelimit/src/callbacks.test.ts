import { isMiddlewareError, principalKey, type Middleware, type ToolContext } from '@mcp-middleware/core';
import { createTestContext, manualClock, stubHandler } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { concurrencyLimit } from './concurrency-limit.js';
import { rateLimit } from './rate-limit.js';

// Every user callback of rateLimit and concurrencyLimit, whatever it throws: the call gets the documented
// outcome (keyBy: keyed by principal and tool; cost: 1; onReject: the rejection stands) and one warning.

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const HOSTILE: readonly [string, () => unknown][] = [
  ['an Error', () => new Error('boom')],
  ['a string', () => 'boom'],
  ['null', () => null],
  ['undefined', () => undefined],
  ['a revoked Proxy', revoked],
];

function thrower(value: () => unknown): () => never {
  return () => {
    throw value();
  };
}

function context(principal = 'alice') {
  const ctx = createTestContext({ tool: { name: 'search' }, clock: manualClock() });
  ctx.set(principalKey, { id: principal, scopes: [], roles: [], claims: {} });
  return ctx;
}

async function outcome(middleware: Middleware, ctx: ToolContext = context()) {
  const next = stubHandler();
  const error: unknown = await middleware(ctx, next).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ran: next.calls.length };
}

const warnings = (ctx: ReturnType<typeof context>) => ctx.events.filter((e) => e.type === 'warning');

describe('rateLimit and concurrencyLimit callbacks that throw', () => {
  for (const [name, value] of HOSTILE) {
    it(`rateLimit keys by principal and tool when keyBy throws ${name}`, async () => {
      const limiter = rateLimit({ limit: 1, keyBy: thrower(value) });
      const first = context();
      expect(await outcome(limiter, first)).toEqual({ error: undefined, ran: 1 });
      expect(warnings(first)).toHaveLength(1);
      const again = await outcome(limiter);
      expect(isMiddlewareError(again.error, 'RATE_LIMITED')).toBe(true);
      expect((await outcome(limiter, context('bob'))).ran).toBe(1);
    });

    it(`rateLimit counts a cost of 1 when cost throws ${name}`, async () => {
      const limiter = rateLimit({ limit: 2, cost: thrower(value) });
      const ctx = context();
      expect((await outcome(limiter, ctx)).ran).toBe(1);
      expect((await outcome(limiter)).ran).toBe(1);
      expect(isMiddlewareError((await outcome(limiter)).error, 'RATE_LIMITED')).toBe(true);
      expect(warnings(ctx)).toHaveLength(1);
    });

    it(`rateLimit still answers RATE_LIMITED when onReject throws ${name}`, async () => {
      const limiter = rateLimit({ limit: 1, onReject: thrower(value) });
      await outcome(limiter);
      const ctx = context();
      const { error, ran } = await outcome(limiter, ctx);
      expect([isMiddlewareError(error, 'RATE_LIMITED'), ran, warnings(ctx).length]).toEqual([true, 0, 1]);
    });

    it(`concurrencyLimit keys by principal and tool when keyBy throws ${name}`, async () => {
      const limiter = concurrencyLimit({ max: 1, keyBy: thrower(value) });
      const ctx = context();
      let release: () => void = () => undefined;
      const held = limiter(ctx, () => new Promise((resolve) => (release = () => resolve({ content: [] }))));
      expect(warnings(ctx)).toHaveLength(1);
      const same = await outcome(limiter);
      expect(isMiddlewareError(same.error, 'CONCURRENCY_LIMITED')).toBe(true);
      expect((await outcome(limiter, context('bob'))).ran).toBe(1);
      release();
      await held;
    });

    it(`concurrencyLimit still answers CONCURRENCY_LIMITED when onReject throws ${name}`, async () => {
      const limiter = concurrencyLimit({ max: 1, onReject: thrower(value) });
      let release: () => void = () => undefined;
      const held = limiter(
        context(),
        () => new Promise((resolve) => (release = () => resolve({ content: [] }))),
      );
      const ctx = context();
      const { error, ran } = await outcome(limiter, ctx);
      expect([isMiddlewareError(error, 'CONCURRENCY_LIMITED'), ran, warnings(ctx).length]).toEqual([
        true,
        0,
        1,
      ]);
      release();
      await held;
    });
  }
});
