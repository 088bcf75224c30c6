// GuardedCounter on its own: a store that fails gets one warning per outage, one on recovery, and the policy.
import { isMiddlewareError } from '@mcp-middleware/core';
import { createTestContext } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { GuardedCounter } from './guarded-counter.js';
import type { StoreErrorPolicy } from './rate-limit-options.js';
import type { RateLimitStore, WindowState } from './store.js';

const SETTINGS = { limit: 2, windowMs: 1000, name: 'test' };

/** A store whose answers the test switches between working and failing. */
function switchable(): { store: RateLimitStore; down: { value: boolean } } {
  const down = { value: false };
  const store: RateLimitStore = {
    kind: 'flaky',
    bind: () => ({
      consume: (): Promise<WindowState> =>
        down.value
          ? Promise.reject(new Error('connection refused'))
          : Promise.resolve({ allowed: true, remaining: 1, resetInMs: 1000 }),
    }),
  };
  return { store, down };
}

function warnings(ctx: ReturnType<typeof createTestContext>): string[] {
  return ctx.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
}

describe('GuardedCounter', () => {
  it('warns once while the store stays down and once when it answers again', async () => {
    const { store, down } = switchable();
    const counter = new GuardedCounter(store, 'fail-open', SETTINGS);
    const ctx = createTestContext();
    down.value = true;
    await counter.check(ctx, 'k', 1, 0);
    await counter.check(ctx, 'k', 1, 1);
    down.value = false;
    await counter.check(ctx, 'k', 1, 2);
    expect(warnings(ctx)).toEqual([
      'rate limit store "flaky" failed: connection refused; admitting calls unchecked until it answers',
      'rate limit store "flaky" answers again; counting there',
    ]);
  });

  it.each<[StoreErrorPolicy, boolean]>([
    ['fail-open', true],
    ['memory-fallback', true],
  ])('under %s admits while the store is down', async (policy, allowed) => {
    const { store, down } = switchable();
    down.value = true;
    const state = await new GuardedCounter(store, policy, SETTINGS).check(createTestContext(), 'k', 1, 0);
    expect(state.allowed).toBe(allowed);
  });

  it('under memory-fallback counts in this process, so the limit still holds', async () => {
    const { store, down } = switchable();
    down.value = true;
    const counter = new GuardedCounter(store, 'memory-fallback', SETTINGS);
    const ctx = createTestContext();
    const states = [];
    for (let i = 0; i < 3; i++) states.push(await counter.check(ctx, 'k', 1, 0));
    expect(states.map((s) => s.allowed)).toEqual([true, true, false]);
  });

  it('under fail-closed rejects with RATE_LIMITED store-unavailable', async () => {
    const { store, down } = switchable();
    down.value = true;
    const counter = new GuardedCounter(store, 'fail-closed', SETTINGS);
    const error: unknown = await Promise.resolve(counter.check(createTestContext(), 'k', 1, 0)).catch(
      (e: unknown) => e,
    );
    expect(isMiddlewareError(error, 'RATE_LIMITED')).toBe(true);
    expect((error as { data?: unknown }).data).toEqual({
      limit: 2,
      windowMs: 1000,
      reason: 'store-unavailable',
    });
  });
});
