// Ledger on its own: claim, run once, replay, join a run in flight, refuse a conflict or an unreachable store.
import { isMiddlewareError, type ToolContext } from '@mcp-middleware/core';
import { createTestContext, stubHandler } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { Ledger, type Attempt } from './ledger.js';
import { memoryStore } from './memory-store.js';
import { resolveOptions } from './options.js';
import { IDEMPOTENCY_META_KEY } from './replay.js';
import type { IdempotencyStore } from './store.js';

let owners = 0;
function attempt(ctx: ToolContext, next: Attempt['next'], fingerprint = 'f1'): Attempt {
  return { ctx, next, key: 'alice:k1', fingerprint, owner: `test:${++owners}` };
}

describe('Ledger', () => {
  it('runs the first call once and replays its result to a later repeat', async () => {
    const ledger = new Ledger(resolveOptions({ store: memoryStore() }));
    const handler = stubHandler();
    const first = await ledger.claim(attempt(createTestContext(), handler), 0);
    await Promise.resolve();
    const again = await ledger.claim(attempt(createTestContext(), handler), 0);
    expect(handler.calls).toHaveLength(1);
    expect(first._meta?.[IDEMPOTENCY_META_KEY]).toBeUndefined();
    expect(again._meta?.[IDEMPOTENCY_META_KEY]).toMatchObject({ replayed: true });
  });

  it('lets a repeat join a run still in flight in this process', async () => {
    const ledger = new Ledger(resolveOptions({ store: memoryStore() }));
    let finish: () => void = () => undefined;
    const handler = stubHandler(() => new Promise((resolve) => (finish = () => resolve({ content: [] }))));
    const first = ledger.claim(attempt(createTestContext(), handler), 0);
    const run = ledger.local('alice:k1');
    expect(run).toBeDefined();
    const joined = ledger.join(createTestContext(), run!);
    finish();
    await first;
    expect((await joined)._meta?.[IDEMPOTENCY_META_KEY]).toEqual({ replayed: true, ageMs: 0 });
    expect(handler.calls).toHaveLength(1);
    expect(ledger.local('alice:k1')).toBeUndefined();
  });

  it('refuses a key used for other arguments', async () => {
    const ledger = new Ledger(resolveOptions({ store: memoryStore() }));
    await ledger.claim(attempt(createTestContext(), stubHandler()), 0);
    await Promise.resolve();
    const error: unknown = await ledger
      .claim(attempt(createTestContext(), stubHandler(), 'f2'), 0)
      .catch((e: unknown) => e);
    expect(isMiddlewareError(error, 'INVALID_ARGUMENTS')).toBe(true);
  });

  it('refuses without running the call when the store cannot claim, under the default policy', async () => {
    const broken: IdempotencyStore = {
      name: 'broken',
      claim: () => Promise.reject(new Error('connection refused')),
      get: () => undefined,
      complete: () => undefined,
      release: () => undefined,
    };
    const ledger = new Ledger(resolveOptions({ store: broken }));
    const handler = stubHandler();
    const ctx = createTestContext();
    const error: unknown = await ledger.claim(attempt(ctx, handler), 0).catch((e: unknown) => e);
    expect(isMiddlewareError(error, 'INTERNAL')).toBe(true);
    expect(handler.calls).toHaveLength(0);
    expect(ctx.events.map((e) => e.type)).toEqual(['warning', 'reject']);
  });
});
