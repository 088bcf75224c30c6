import {
  ConfigError,
  EventChannel,
  isMiddlewareError,
  principalKey,
  type CallToolResult,
  type Principal,
  type ToolArgs,
  type ToolContext,
} from '@mcp-middleware/core';
import { createTestContext, manualClock, stubHandler, textResult } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_META_KEY, idempotency } from './idempotency.js';
import { IDEMPOTENCY_KEY_META, SPEC_IDEMPOTENCY_KEY_META } from './key.js';
import { memoryStore } from './memory-store.js';
import type { IdempotencyStore } from './store.js';

interface CallOptions {
  readonly key?: unknown;
  readonly metaName?: string;
  readonly args?: ToolArgs;
  readonly tool?: string;
  readonly principal?: Partial<Principal>;
  readonly signal?: AbortSignal;
  readonly readOnly?: boolean;
}

const clock = manualClock();
const events = new EventChannel();

function call(options: CallOptions = {}): ToolContext {
  const meta =
    options.key === undefined ? undefined : { [options.metaName ?? IDEMPOTENCY_KEY_META]: options.key };
  const ctx = createTestContext({
    tool: {
      name: options.tool ?? 'create_invoice',
      annotations: { readOnlyHint: options.readOnly ?? false },
    },
    args: options.args ?? { amount: 10 },
    clock,
    events,
    ...(options.signal !== undefined && { signal: options.signal }),
    extra: meta === undefined ? {} : { _meta: meta },
  });
  if (options.principal !== undefined) {
    ctx.set(principalKey, {
      id: 'alice',
      source: 'jwt',
      scopes: [],
      roles: [],
      claims: {},
      ...options.principal,
    });
  }
  return ctx;
}

const replayOf = (result: CallToolResult): unknown => result._meta?.[IDEMPOTENCY_META_KEY];

function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isMiddlewareError(error) ? error.code : 'not a MiddlewareError';
  }
}

describe('idempotency', () => {
  it('runs a repeated write with the same key once and answers the repeat with the first result', async () => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const handler = stubHandler((_ctx, n) => textResult(`invoice ${n}`));
    const first = await mw(call({ key: 'k-1' }), handler);
    const second = await mw(call({ key: 'k-1' }), handler);
    expect(handler.calls).toHaveLength(1);
    expect(second.content).toEqual(first.content);
    expect(replayOf(second)).toEqual({ replayed: true, ageMs: 0 });
    expect(replayOf(first)).toBeUndefined();
  });

  it('accepts the key under the name SEP-3182 proposed', async () => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const handler = stubHandler();
    await mw(call({ key: 'k', metaName: SPEC_IDEMPOTENCY_KEY_META }), handler);
    await mw(call({ key: 'k', metaName: IDEMPOTENCY_KEY_META }), handler);
    expect(handler.calls).toHaveLength(1);
  });

  it('runs a concurrent repeat once: it waits for the first call and gets its result', async () => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const gate = deferred<CallToolResult>();
    const handler = stubHandler(() => gate.promise);
    const first = mw(call({ key: 'k' }), handler);
    const second = mw(call({ key: 'k' }), handler);
    gate.resolve(textResult('done'));
    const [a, b] = await Promise.all([first, second]);
    expect(handler.calls).toHaveLength(1);
    expect(b.content).toEqual(a.content);
    expect(replayOf(b)).toEqual({ replayed: true, ageMs: 0 });
  });

  it('lets a waiting repeat leave on its own cancellation while the first call goes on', async () => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const gate = deferred<CallToolResult>();
    const handler = stubHandler(() => gate.promise);
    const first = mw(call({ key: 'k' }), handler);
    const controller = new AbortController();
    const second = mw(call({ key: 'k', signal: controller.signal }), handler);
    controller.abort();
    expect(await codeOf(second)).toBe('CANCELLED');
    gate.resolve(textResult('done'));
    expect((await first).content).toEqual([{ type: 'text', text: 'done' }]);
  });

  it('refuses the same key with other arguments as INVALID_ARGUMENTS, never answering the other result', async () => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const handler = stubHandler();
    await mw(call({ key: 'k', args: { amount: 10 } }), handler);
    expect(await codeOf(mw(call({ key: 'k', args: { amount: 99 } }), handler))).toBe('INVALID_ARGUMENTS');
    expect(await codeOf(mw(call({ key: 'k', tool: 'delete_invoice' }), handler))).toBe('INVALID_ARGUMENTS');
    expect(handler.calls).toHaveLength(1);
  });

  it('refuses a conflicting concurrent repeat while the first call still runs', async () => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const gate = deferred<CallToolResult>();
    const handler = stubHandler(() => gate.promise);
    const first = mw(call({ key: 'k', args: { amount: 1 } }), handler);
    expect(await codeOf(mw(call({ key: 'k', args: { amount: 2 } }), handler))).toBe('INVALID_ARGUMENTS');
    gate.resolve(textResult('ok'));
    await first;
  });

  it('treats args that differ only in key order as the same call', async () => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const handler = stubHandler();
    await mw(call({ key: 'k', args: { a: 1, b: { c: 2, d: 3 } } }), handler);
    await mw(call({ key: 'k', args: { b: { d: 3, c: 2 }, a: 1 } }), handler);
    expect(handler.calls).toHaveLength(1);
  });

  it('keeps the same key of two principals apart, and apart from anonymous callers', async () => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const handler = stubHandler((_ctx, n) => textResult(`run ${n}`));
    const callers = [
      { principal: { id: 'alice', source: 'jwt' } },
      { principal: { id: 'alice', source: 'api-key' } },
      { principal: { id: 'bob', source: 'jwt' } },
      { principal: { id: 'alice\u001fk', source: 'jwt' } },
      {},
    ];
    const results = await Promise.all(callers.map((c) => mw(call({ key: 'k', ...c }), handler)));
    expect(handler.calls).toHaveLength(callers.length);
    expect(results.every((r) => replayOf(r) === undefined)).toBe(true);
  });

  it('runs again once the stored result is older than ttlMs', async () => {
    const mw = idempotency({ ttlMs: 1_000, store: memoryStore({ clock }) });
    const handler = stubHandler();
    await mw(call({ key: 'k' }), handler);
    await clock.advance(1_001);
    await mw(call({ key: 'k' }), handler);
    expect(handler.calls).toHaveLength(2);
  });

  it('does not store a thrown failure, so the repeat runs', async () => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const handler = stubHandler((_ctx, n) => {
      if (n === 1) throw new Error('upstream down');
      return textResult('ok');
    });
    await expect(mw(call({ key: 'k' }), handler)).rejects.toThrow('upstream down');
    expect((await mw(call({ key: 'k' }), handler)).content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(handler.calls).toHaveLength(2);
  });

  it('stores isError answers only with storeToolErrors', async () => {
    const no = { content: [{ type: 'text' as const, text: 'no' }], isError: true };
    for (const [storeToolErrors, runs] of [
      [false, 2],
      [true, 1],
    ] as const) {
      const mw = idempotency({ storeToolErrors, store: memoryStore({ clock }) });
      const handler = stubHandler(() => no);
      await mw(call({ key: 'k' }), handler);
      await mw(call({ key: 'k' }), handler);
      expect(handler.calls).toHaveLength(runs);
    }
  });

  it('never stores an input_required round of the 2026-07-28 revision', async () => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const round = { content: [], resultType: 'input_required', inputRequests: {} } as CallToolResult;
    const handler = stubHandler((_ctx, n) => (n === 1 ? round : textResult('done')));
    await mw(call({ key: 'k' }), handler);
    const second = await mw(call({ key: 'k' }), handler);
    expect(handler.calls).toHaveLength(2);
    expect(replayOf(second)).toBeUndefined();
  });

  it('leaves read-only tools and calls without a key alone', async () => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const handler = stubHandler();
    await mw(call({ key: 'k', readOnly: true }), handler);
    await mw(call({ key: 'k', readOnly: true }), handler);
    await mw(call(), handler);
    await mw(call(), handler);
    expect(handler.calls).toHaveLength(4);
  });

  it('derives the key from keyArgs when the call carries none', async () => {
    const mw = idempotency({ keyArgs: { 'create_*': ['orderId'] }, store: memoryStore({ clock }) });
    const handler = stubHandler();
    await mw(call({ args: { orderId: 'o-1', amount: 1 } }), handler);
    await mw(call({ args: { orderId: 'o-1', amount: 1 } }), handler);
    await mw(call({ args: { orderId: 'o-2', amount: 1 } }), handler);
    expect(handler.calls).toHaveLength(2);
  });

  it.each([
    ['a number', 42],
    ['an empty string', ''],
    ['a huge string', 'x'.repeat(100_000)],
    ['a control character', 'a\u001fb'],
    ['a lone surrogate', 'a\ud800'],
    ['an object', { key: 'k' }],
  ])('refuses a key that is %s as INVALID_ARGUMENTS without running', async (_name, key) => {
    const mw = idempotency({ store: memoryStore({ clock }) });
    const handler = stubHandler();
    expect(await codeOf(mw(call({ key }), handler))).toBe('INVALID_ARGUMENTS');
    expect(handler.calls).toHaveLength(0);
  });

  it('fails closed when the store is down: the write is refused, retryable, and never run', async () => {
    const down: IdempotencyStore = {
      name: 'down',
      claim: () => Promise.reject(new Error('ECONNREFUSED')),
      get: () => Promise.reject(new Error('ECONNREFUSED')),
      complete: () => undefined,
      release: () => undefined,
    };
    const handler = stubHandler();
    const error: unknown = await idempotency({ store: down })(call({ key: 'k' }), handler).catch(
      (e: unknown) => e,
    );
    expect(isMiddlewareError(error, 'INTERNAL') && error.retryable).toBe(true);
    expect(handler.calls).toHaveLength(0);
    await idempotency({ store: down, onStoreError: 'run' })(call({ key: 'k' }), handler);
    expect(handler.calls).toHaveLength(1);
  });

  it('refuses a repeat as still running when another replica holds the key past waitMs', async () => {
    const store = memoryStore({ clock });
    store.claim(
      'anon\u001fk',
      { fingerprint: '["create_invoice",{"amount":10}]', owner: 'other', at: 0 },
      60_000,
    );
    const mw = idempotency({ store, waitMs: 200, pollMs: 100 });
    const handler = stubHandler();
    const pending = codeOf(mw(call({ key: 'k' }), handler));
    for (let i = 0; i < 3; i++) await clock.advance(100);
    expect(await pending).toBe('CONCURRENCY_LIMITED');
    expect(handler.calls).toHaveLength(0);
  });

  it('answers a repeat from the result another replica stored while it waited', async () => {
    const store = memoryStore({ clock });
    const fingerprint = '["create_invoice",{"amount":10}]';
    store.claim('anon\u001fk', { fingerprint, owner: 'other', at: 0 }, 60_000);
    const handler = stubHandler();
    const pending = idempotency({ store, pollMs: 100 })(call({ key: 'k' }), handler);
    store.complete(
      'anon\u001fk',
      'other',
      { fingerprint, at: clock.now(), json: JSON.stringify(textResult('theirs')) },
      60_000,
    );
    await clock.advance(100);
    const result = await pending;
    expect(result.content).toEqual([{ type: 'text', text: 'theirs' }]);
    expect(handler.calls).toHaveLength(0);
  });

  it('rejects unknown options and a bad store when the factory runs', () => {
    expect(() => idempotency({ ttl: 5 } as never)).toThrow(ConfigError);
    expect(() => idempotency({ store: {} as never })).toThrow(ConfigError);
    expect(() => idempotency({ keyArgs: { x: [] } })).toThrow(ConfigError);
  });
});
