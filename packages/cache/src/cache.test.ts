import {
  ConfigError,
  createToolRunner,
  principalKey,
  type CallToolResult,
  type Middleware,
  type MiddlewareEvent,
  type ToolArgs,
  type ToolContext,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { manualClock, textResult, type ManualClock } from '@mcp-middleware/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { cache, type CacheMiddleware } from './cache.js';
import { CACHE_META_KEY } from './marked.js';
import { memoryStore } from './memory-store.js';
import type { CacheOptions } from './options.js';
import type { CacheStore } from './store.js';

const readOnly: ToolInfo = Object.freeze({ name: 'search', annotations: { readOnlyHint: true } });
const writer: ToolInfo = Object.freeze({ name: 'write', annotations: { readOnlyHint: false } });

type Handler = (ctx: ToolContext, call: number) => CallToolResult | Promise<CallToolResult>;

interface Harness {
  readonly middleware: CacheMiddleware;
  readonly clock: ManualClock;
  readonly events: MiddlewareEvent[];
  readonly handled: ToolContext[];
  call(
    args: ToolArgs,
    options?: { who?: string; signal?: AbortSignal; tool?: ToolInfo },
  ): Promise<CallToolResult>;
}

let requestId = 0;

/** Runs `cache(options)` through the real runner, on a manual clock, around a recording handler. */
function harness(options: CacheOptions = {}, handler?: Handler, outer: Middleware[] = []): Harness {
  const clock = manualClock();
  const middleware = cache(options);
  const runner = createToolRunner([...outer, middleware], { clock, debug: false });
  const events: MiddlewareEvent[] = [];
  runner.events.subscribe((event) => events.push(event));
  const handled: ToolContext[] = [];
  const impl: Handler =
    handler ??
    ((ctx, n) => textResult(`${ctx.authInfo?.clientId ?? 'anon'} ${JSON.stringify(ctx.args)} #${n}`));
  const bound = new Map<ToolInfo, (args: ToolArgs, extra: ToolExtra) => Promise<CallToolResult>>();
  return {
    middleware,
    clock,
    events,
    handled,
    call(args, { who, signal, tool = readOnly } = {}) {
      let run = bound.get(tool);
      if (run === undefined) {
        run = runner.bind(tool, (ctx) => {
          handled.push(ctx);
          return impl(ctx, handled.length);
        });
        bound.set(tool, run);
      }
      const extra = {
        signal: signal ?? new AbortController().signal,
        requestId: ++requestId,
        sendNotification: () => Promise.resolve(),
        sendRequest: () => Promise.reject(new Error('unused')),
        ...(who !== undefined && { authInfo: { token: 'secret-token', clientId: who, scopes: [] } }),
      } as ToolExtra;
      return run(args, extra);
    },
  };
}

const textOf = (result: CallToolResult): string => (result.content[0] as { text: string }).text;
const metaOf = (result: CallToolResult): unknown => result._meta?.[CACHE_META_KEY];
const cacheEvents = (events: MiddlewareEvent[]): string[] =>
  events.flatMap((e) =>
    e.type === 'cache' ? [`${e.result}${e.reason === undefined ? '' : `:${e.reason}`}`] : [],
  );

function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('cache: hits and misses', () => {
  it('serves the second identical call from the cache without calling the handler', async () => {
    const h = harness();
    const first = await h.call({ q: 'x' });
    const second = await h.call({ q: 'x' });
    expect(h.handled).toHaveLength(1);
    expect(textOf(second)).toBe(textOf(first));
  });

  it('marks a hit in _meta with its age by the pipeline clock', async () => {
    const h = harness();
    await h.call({ q: 'x' });
    await h.clock.advance(1500);
    expect(metaOf(await h.call({ q: 'x' }))).toEqual({ hit: true, ageMs: 1500 });
  });

  it('leaves a miss unmarked', async () => {
    const h = harness();
    expect(metaOf(await h.call({ q: 'x' }))).toBeUndefined();
  });

  it('keeps the result’s own _meta beside the hit mark', async () => {
    const h = harness({}, () => ({ ...textResult('x'), _meta: { mine: 1 } }));
    await h.call({});
    const hit = await h.call({});
    expect(hit._meta).toEqual({ mine: 1, [CACHE_META_KEY]: { hit: true, ageMs: 0 } });
  });

  it('never changes the stored value: a later hit carries only its own age', async () => {
    const h = harness();
    await h.call({});
    await h.call({});
    await h.clock.advance(10);
    const later = await h.call({});
    expect(metaOf(later)).toEqual({ hit: true, ageMs: 10 });
  });

  it('hands out a frozen stored value, so no caller can change what the next one gets', async () => {
    const h = harness();
    await h.call({});
    const early = await h.call({});
    expect(() => {
      (early.content[0] as { text: string }).text = 'tampered by a caller';
    }).toThrow(TypeError);
    expect(textOf(await h.call({}))).toMatch(/#1$/);
  });

  it('treats args with the same content in another key order as the same call', async () => {
    const h = harness();
    await h.call({ a: 1, b: { c: 2, d: 3 } });
    await h.call({ b: { d: 3, c: 2 }, a: 1 });
    expect(h.handled).toHaveLength(1);
  });

  it('keeps different args apart', async () => {
    const h = harness();
    await h.call({ q: 'x' });
    await h.call({ q: 'y' });
    expect(h.handled).toHaveLength(2);
  });

  it('caches a tool without an input schema (undefined args)', async () => {
    const h = harness();
    await h.call(undefined);
    await h.call(undefined);
    expect(h.handled).toHaveLength(1);
  });

  it('publishes miss then hit events', async () => {
    const h = harness();
    await h.call({});
    await h.call({});
    expect(cacheEvents(h.events)).toEqual(['miss', 'hit']);
  });
});

describe('cache: task-augmented calls', () => {
  it('passes every task-augmented call to the handler: never a hit, never joined, never stored', async () => {
    const clock = manualClock();
    const runner = createToolRunner([cache()], { clock, debug: false });
    const events: MiddlewareEvent[] = [];
    runner.events.subscribe((event) => events.push(event));
    let created = 0;
    const extra = (): ToolExtra =>
      ({ signal: new AbortController().signal, requestId: ++requestId }) as unknown as ToolExtra;
    const createTask = (): Promise<CallToolResult> =>
      Promise.resolve({ task: { taskId: `t${++created}` } } as unknown as CallToolResult);
    const params = { name: 'search', arguments: { q: 'x' }, task: { ttl: 1000 } };
    const both = await Promise.all([
      runner.call(readOnly, params, extra(), createTask),
      runner.call(readOnly, params, extra(), createTask),
    ]);
    const third = await runner.call(readOnly, params, extra(), createTask);
    expect([...both, third].map((r) => (r as unknown as { task: { taskId: string } }).task.taskId)).toEqual([
      't1',
      't2',
      't3',
    ]);
    // The same call without a task is a miss: nothing a task call returned was stored.
    const plain = await runner.call(readOnly, { name: 'search', arguments: { q: 'x' } }, extra(), () =>
      Promise.resolve(textResult('plain')),
    );
    expect(textOf(plain)).toBe('plain');
    expect(cacheEvents(events)).toEqual(['miss']);
  });
});

describe('cache: which tools', () => {
  it('does not cache a tool that is not read-only, and publishes nothing for it', async () => {
    const h = harness();
    await h.call({}, { tool: writer });
    await h.call({}, { tool: writer });
    expect(h.handled).toHaveLength(2);
    expect(h.events).toEqual([]);
  });

  it('does not cache a tool without annotations', async () => {
    const h = harness();
    const bare: ToolInfo = { name: 'bare' };
    await h.call({}, { tool: bare });
    await h.call({}, { tool: bare });
    expect(h.handled).toHaveLength(2);
  });

  it('caches the tools a cacheable glob opts in, read-only or not', async () => {
    const h = harness({ cacheable: ['wri*'] });
    await h.call({}, { tool: writer });
    await h.call({}, { tool: writer });
    await h.call({}, { tool: readOnly });
    await h.call({}, { tool: readOnly });
    expect(h.handled.map((c) => c.tool.name)).toEqual(['write', 'search', 'search']);
  });

  it('opts a read-only tool out with a predicate', async () => {
    const h = harness({
      cacheable: (tool) => tool.annotations?.readOnlyHint === true && tool.name !== 'search',
    });
    await h.call({});
    await h.call({});
    expect(h.handled).toHaveLength(2);
  });

  it('does not cache a tool whose cacheable predicate throws, and warns', async () => {
    const h = harness({
      cacheable: () => {
        throw new Error('bad predicate');
      },
    });
    await h.call({});
    await h.call({});
    expect(h.handled).toHaveLength(2);
    expect(h.events.filter((e) => e.type === 'warning')).toHaveLength(1);
  });
});

describe('cache: callbacks that throw hostile values', () => {
  const revoked = (): object => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const HOSTILE: readonly [string, () => unknown][] = [
    ['an Error', () => new Error('boom')],
    ['a string', () => 'boom'],
    ['null', () => null],
    ['a revoked Proxy', revoked],
  ];
  for (const [name, value] of HOSTILE) {
    it(`does not cache, and warns once, when cacheable throws ${name}`, async () => {
      const h = harness({
        cacheable: () => {
          throw value();
        },
      });
      for (let i = 0; i < 3; i++) expect((await h.call({})).isError).not.toBe(true);
      expect([h.handled.length, h.events.filter((e) => e.type === 'warning').length]).toEqual([3, 1]);
    });

    it(`does not cache, and warns once, when scope throws ${name}`, async () => {
      const h = harness({
        scope: () => {
          throw value();
        },
      });
      for (let i = 0; i < 3; i++) expect((await h.call({}, { who: 'alice' })).isError).not.toBe(true);
      expect([h.handled.length, h.events.filter((e) => e.type === 'warning').length]).toEqual([3, 1]);
    });

    it(`bypasses a store whose get throws ${name}, warning once`, async () => {
      const h = harness({
        store: {
          name: 'hostile',
          get: () => {
            throw value();
          },
          set: () => undefined,
          invalidate: () => 0,
        },
      });
      for (let i = 0; i < 3; i++) expect((await h.call({})).isError).not.toBe(true);
      expect([h.handled.length, h.events.filter((e) => e.type === 'warning').length]).toEqual([3, 1]);
    });
  }
});

describe('cache: partitions', () => {
  it('never serves one principal’s result to another', async () => {
    const h = harness();
    const alice = await h.call({ q: 'x' }, { who: 'alice' });
    const bob = await h.call({ q: 'x' }, { who: 'bob' });
    expect(textOf(alice)).toMatch(/^alice/);
    expect(textOf(bob)).toMatch(/^bob/);
    expect(h.handled).toHaveLength(2);
  });

  it('keeps anonymous callers apart from authenticated ones', async () => {
    const h = harness();
    await h.call({ q: 'x' });
    const authenticated = await h.call({ q: 'x' }, { who: 'alice' });
    expect(metaOf(authenticated)).toBeUndefined();
    expect(h.handled).toHaveLength(2);
  });

  it('keys on the principal auth set, ahead of the OAuth client id', async () => {
    let principal = 'p1';
    const auth: Middleware = (ctx, next) => {
      ctx.set(principalKey, { id: principal, scopes: [], roles: [], claims: {} });
      return next(ctx);
    };
    const h = harness({}, undefined, [auth]);
    await h.call({}, { who: 'same-client' });
    principal = 'p2';
    await h.call({}, { who: 'same-client' });
    principal = 'p1';
    await h.call({}, { who: 'same-client' });
    expect(h.handled).toHaveLength(2);
  });

  it('shares one result between principals for a tool whose scope is shared', async () => {
    const h = harness({ scope: (tool) => (tool.name === 'search' ? 'shared' : 'principal') });
    await h.call({ q: 'x' }, { who: 'alice' });
    const bob = await h.call({ q: 'x' }, { who: 'bob' });
    await h.call({ q: 'x' });
    expect(textOf(bob)).toMatch(/^alice/);
    expect(h.handled).toHaveLength(1);
  });

  it('falls back to the principal scope when a scope function answers nonsense, and warns', async () => {
    const h = harness({ scope: () => 'everyone' as never });
    await h.call({ q: 'x' }, { who: 'alice' });
    await h.call({ q: 'x' }, { who: 'bob' });
    expect(h.handled).toHaveLength(2);
    expect(h.events.some((e) => e.type === 'warning')).toBe(true);
  });
});

describe('cache: time', () => {
  it('serves a result until ttlMs has passed, then calls the handler again', async () => {
    const h = harness({ ttlMs: 1000 });
    await h.call({});
    await h.clock.advance(999);
    await h.call({});
    expect(h.handled).toHaveLength(1);
    await h.clock.advance(1);
    const fresh = await h.call({});
    expect(h.handled).toHaveLength(2);
    expect(metaOf(fresh)).toBeUndefined();
  });

  it('serves a stale result within staleWhileRevalidateMs, marked, while one refresh runs', async () => {
    const h = harness({ ttlMs: 1000, staleWhileRevalidateMs: 5000 });
    await h.call({});
    await h.clock.advance(2000);
    const stale = await h.call({});
    const again = await h.call({});
    await h.clock.advance(0);
    expect(metaOf(stale)).toEqual({ hit: true, ageMs: 2000, stale: true });
    expect(textOf(stale)).toMatch(/#1$/);
    expect(metaOf(again)).toMatchObject({ hit: true });
    expect(h.handled).toHaveLength(2);
    expect(cacheEvents(h.events)).toContain('stale');
  });

  it('replaces a stale result with the refreshed one', async () => {
    const h = harness({ ttlMs: 1000, staleWhileRevalidateMs: 5000 });
    await h.call({});
    await h.clock.advance(2000);
    await h.call({});
    await h.clock.advance(0);
    const refreshed = await h.call({});
    expect(textOf(refreshed)).toMatch(/#2$/);
    expect(metaOf(refreshed)).toEqual({ hit: true, ageMs: 0 });
  });

  it('runs the background refresh with a signal no caller can abort', async () => {
    const h = harness({ ttlMs: 1000, staleWhileRevalidateMs: 5000 });
    await h.call({});
    await h.clock.advance(2000);
    const caller = new AbortController();
    await h.call({}, { signal: caller.signal });
    caller.abort();
    await h.clock.advance(0);
    expect(h.handled[1]?.signal).not.toBe(caller.signal);
    expect(h.handled[1]?.signal.aborted).toBe(false);
  });

  it('starts the refresh only after the stale answer, so a debug pipeline sees no next() left running', async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const clock = manualClock();
      const debugRunner = createToolRunner([cache({ ttlMs: 1000, staleWhileRevalidateMs: 5000 })], {
        clock,
        debug: true,
      });
      let runs = 0;
      const run = debugRunner.bind(readOnly, () => textResult(`#${++runs}`));
      const extra = { signal: new AbortController().signal, requestId: 1 } as ToolExtra;
      await run({}, extra);
      await clock.advance(2000);
      const stale = await run({}, extra);
      await clock.advance(0);
      expect(metaOf(stale)).toMatchObject({ stale: true });
      expect(runs).toBe(2);
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });

  it('keeps serving the stale result when the refresh fails, and warns', async () => {
    const h = harness({ ttlMs: 1000, staleWhileRevalidateMs: 5000 }, (_ctx, n) => {
      if (n === 2) throw new Error('upstream down');
      return textResult(`#${n}`);
    });
    await h.call({});
    await h.clock.advance(2000);
    await h.call({});
    await h.clock.advance(0);
    const stillStale = await h.call({});
    expect(textOf(stillStale)).toBe('#1');
    expect(h.events.some((e) => e.type === 'warning' && e.message.includes('background refresh'))).toBe(true);
  });

  it('calls the handler once the stale window has passed too', async () => {
    const h = harness({ ttlMs: 1000, staleWhileRevalidateMs: 1000 });
    await h.call({});
    await h.clock.advance(2000);
    const result = await h.call({});
    expect(metaOf(result)).toBeUndefined();
    expect(h.handled).toHaveLength(2);
  });
});

describe('cache: what is not stored', () => {
  it('never stores an isError result', async () => {
    const h = harness({}, () => ({ ...textResult('not found'), isError: true }));
    await h.call({});
    await h.call({});
    expect(h.handled).toHaveLength(2);
  });

  it('never stores a thrown error, and passes it on', async () => {
    const h = harness({}, () => {
      throw new Error('boom');
    });
    const first = await h.call({});
    await h.call({});
    expect(first.isError).toBe(true);
    expect(h.handled).toHaveLength(2);
  });

  it('never stores a result over maxEntryBytes, and warns', async () => {
    const h = harness({ maxEntryBytes: 100 }, () => textResult('x'.repeat(200)));
    await h.call({});
    await h.call({});
    expect(h.handled).toHaveLength(2);
    expect(h.events.some((e) => e.type === 'warning' && e.message.includes('maxEntryBytes'))).toBe(true);
  });

  it('never stores a result that is not JSON, and warns', async () => {
    const h = harness({}, () => ({ ...textResult('x'), structuredContent: { n: 1n } }));
    await h.call({});
    await h.call({});
    expect(h.handled).toHaveLength(2);
    expect(h.events.some((e) => e.type === 'warning' && e.message.includes('not JSON'))).toBe(true);
  });
});

describe('cache: args without a canonical form', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;

  it.each([
    ['a cycle', { node: cyclic }],
    ['a BigInt', { n: 1n }],
    ['a function', { f: () => 1 }],
  ])('bypasses the cache for args holding %s, with a bypass and a warning event', async (_what, args) => {
    const h = harness({}, (_ctx, n) => textResult(`#${n}`));
    const result = await h.call(args);
    await h.call(args);
    expect(result.isError).not.toBe(true);
    expect(h.handled).toHaveLength(2);
    expect(cacheEvents(h.events)).toEqual(['bypass:args-unserialisable', 'bypass:args-unserialisable']);
    expect(h.events.filter((e) => e.type === 'warning')).toHaveLength(2);
  });

  it('bypasses the cache for args longer than maxArgsChars', async () => {
    const h = harness({ maxArgsChars: 100 });
    await h.call({ text: 'x'.repeat(500) });
    expect(cacheEvents(h.events)).toEqual(['bypass:args-too-large']);
  });

  it('keeps warnings free of the args’ values', async () => {
    const h = harness({}, () => textResult('ok'));
    await h.call({ password: 'hunter2', n: 1n });
    const warning = h.events.find((e) => e.type === 'warning');
    expect(
      JSON.stringify(warning, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    ).not.toContain('hunter2');
  });
});

describe('cache: single-flight', () => {
  it('runs the handler once for 1000 concurrent identical misses', async () => {
    const open = gate();
    const h = harness({}, async () => {
      await open.promise;
      return textResult('shared');
    });
    const calls = Array.from({ length: 1000 }, () => h.call({ q: 'same' }));
    open.open();
    const results = await Promise.all(calls);
    expect(h.handled).toHaveLength(1);
    expect(results.every((r) => textOf(r) === 'shared')).toBe(true);
    expect(cacheEvents(h.events).filter((e) => e === 'miss:inflight')).toHaveLength(999);
  });

  it('fails only the caller who cancels; the others get the result from one handler run', async () => {
    const open = gate();
    const h = harness({}, async () => {
      await open.promise;
      return textResult('done');
    });
    const quitter = new AbortController();
    const first = h.call({}, { signal: quitter.signal });
    const second = h.call({});
    const third = h.call({});
    quitter.abort();
    const cancelled = await first;
    open.open();
    expect(cancelled.isError).toBe(true);
    expect(cancelled._meta?.['io.github.mcp-middleware/error']).toMatchObject({ code: 'CANCELLED' });
    expect(textOf(await second)).toBe('done');
    expect(textOf(await third)).toBe('done');
    expect(h.handled).toHaveLength(1);
    expect(h.handled[0]?.signal.aborted).toBe(false);
  });

  it('stores the result even when the caller who started the run cancelled', async () => {
    const open = gate();
    const h = harness({}, async () => {
      await open.promise;
      return textResult('done');
    });
    const leader = new AbortController();
    const first = h.call({}, { signal: leader.signal });
    const second = h.call({});
    leader.abort();
    await first;
    open.open();
    await second;
    expect(metaOf(await h.call({}))).toMatchObject({ hit: true });
    expect(h.handled).toHaveLength(1);
  });

  it('aborts the handler’s signal once every caller has cancelled', async () => {
    const h = harness({}, (ctx) => new Promise<CallToolResult>(() => void ctx));
    const callers = [new AbortController(), new AbortController()];
    const calls = callers.map((c) => h.call({}, { signal: c.signal }));
    await h.clock.advance(0);
    for (const c of callers) c.abort();
    await Promise.all(calls);
    expect(h.handled[0]?.signal.aborted).toBe(true);
  });

  it('starts a new run after every caller of the previous one cancelled', async () => {
    let release: (() => void) | undefined;
    const h = harness({}, (ctx, n) =>
      n === 1
        ? new Promise<CallToolResult>((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
          })
        : new Promise<CallToolResult>((resolve) => {
            release = () => resolve(textResult('second run'));
          }),
    );
    const caller = new AbortController();
    const first = h.call({}, { signal: caller.signal });
    await h.clock.advance(0);
    caller.abort();
    await first;
    const second = h.call({});
    await h.clock.advance(0);
    release?.();
    expect(textOf(await second)).toBe('second run');
  });

  it('rethrows a MiddlewareError reason (a deadline above) instead of CANCELLED', async () => {
    const { MiddlewareError } = await import('@mcp-middleware/core');
    const h = harness({}, () => new Promise<CallToolResult>(() => undefined));
    const controller = new AbortController();
    const call = h.call({}, { signal: controller.signal });
    controller.abort(new MiddlewareError('TIMEOUT', 'deadline passed'));
    expect((await call)._meta?.['io.github.mcp-middleware/error']).toMatchObject({ code: 'TIMEOUT' });
  });

  it('passes one run’s thrown error to every waiter', async () => {
    const open = gate();
    const h = harness({}, async () => {
      await open.promise;
      throw new Error('upstream failed');
    });
    const calls = [h.call({}), h.call({})];
    open.open();
    for (const result of await Promise.all(calls)) expect(textOf(result)).toBe('upstream failed');
    expect(h.handled).toHaveLength(1);
  });
});

describe('cache: invalidate', () => {
  it('removes one tool’s entries', async () => {
    const h = harness({ cacheable: () => true });
    await h.call({}, { tool: readOnly });
    await h.call({}, { tool: writer });
    expect(await h.middleware.invalidate({ tool: 'search' })).toBe(1);
    await h.call({}, { tool: readOnly });
    await h.call({}, { tool: writer });
    expect(h.handled.map((c) => c.tool.name)).toEqual(['search', 'write', 'search']);
  });

  it('removes one principal’s entries and leaves the others', async () => {
    const h = harness();
    await h.call({}, { who: 'alice' });
    await h.call({}, { who: 'bob' });
    await h.middleware.invalidate({ principal: 'client:alice' });
    await h.call({}, { who: 'alice' });
    await h.call({}, { who: 'bob' });
    expect(h.handled).toHaveLength(3);
  });

  it('removes everything with an empty filter', async () => {
    const h = harness();
    await h.call({ a: 1 });
    await h.call({ a: 2 });
    expect(await h.middleware.invalidate()).toBe(2);
  });

  it('keeps a run in flight during invalidation from storing its result', async () => {
    const open = gate();
    const h = harness({}, async (_ctx, n) => {
      if (n === 1) await open.promise;
      return textResult(`#${n}`);
    });
    const pending = h.call({});
    await h.clock.advance(0);
    await h.middleware.invalidate({ tool: 'search' });
    open.open();
    await pending;
    const after = await h.call({});
    expect(textOf(after)).toBe('#2');
  });

  it('rejects a filter field that is not a non-empty string', async () => {
    const h = harness();
    await expect(h.middleware.invalidate({ tool: '' })).rejects.toThrow(TypeError);
  });
});

describe('cache: store failures', () => {
  function failing(overrides: Partial<CacheStore>): CacheStore {
    const inner = memoryStore();
    return { name: 'flaky', get: inner.get, set: inner.set, invalidate: inner.invalidate, ...overrides };
  }

  it('answers through the handler when the store cannot read, with a bypass and a warning', async () => {
    const h = harness({
      store: failing({ get: () => Promise.reject(new Error('connection refused')) }),
    });
    const result = await h.call({});
    expect(textOf(result)).toMatch(/#1$/);
    expect(cacheEvents(h.events)).toEqual(['bypass:store-error']);
    expect(h.events.some((e) => e.type === 'warning' && e.message.includes('flaky'))).toBe(true);
  });

  it('answers through the handler when the store throws synchronously', async () => {
    const h = harness({
      store: failing({
        get: () => {
          throw new Error('sync failure');
        },
      }),
    });
    expect((await h.call({})).isError).not.toBe(true);
  });

  it('warns once per 10 s during an outage, however many calls fail to read and write', async () => {
    const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const h = harness({ store: failing({ get: down, set: down }) });
    for (let i = 0; i < 50; i++) await h.call({ i });
    await h.clock.advance(0);
    expect(h.events.filter((e) => e.type === 'warning')).toHaveLength(1);
    await h.clock.advance(10_000);
    for (let i = 0; i < 50; i++) await h.call({ i });
    await h.clock.advance(0);
    const warnings = h.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('(99 more store failures since the last warning)');
  });

  it('reports once that the store answers again after an outage', async () => {
    let up = false;
    const inner = memoryStore();
    const h = harness({
      store: failing({
        get: (key) => (up ? Promise.resolve(inner.get(key)) : Promise.reject(new Error('down'))),
      }),
    });
    for (let i = 0; i < 5; i++) await h.call({ i });
    up = true;
    for (let i = 0; i < 5; i++) await h.call({ i });
    const warnings = h.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    expect(warnings).toEqual([
      'cache: the flaky store failed to read: down; calls go on without the cache until it answers',
      'cache: the flaky store answers again',
    ]);
  });

  it('bypasses a custom store that answers a value it cannot read', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const h = harness({ store: failing({ get: () => proxy as never }) });
    expect(textOf(await h.call({}))).toMatch(/#1$/);
    expect(cacheEvents(h.events)).toEqual(['bypass:store-error']);
  });

  it('still answers when the store cannot write, and warns', async () => {
    const h = harness({ store: failing({ set: () => Promise.reject(new Error('read-only replica')) }) });
    const result = await h.call({});
    await h.clock.advance(0);
    expect(result.isError).not.toBe(true);
    expect(h.events.some((e) => e.type === 'warning' && e.message.includes('store a result'))).toBe(true);
  });
});

describe('cache: asynchronous stores', () => {
  it('serves a result as a hit while its write to the store is still landing', async () => {
    const inner = memoryStore();
    let land: (() => void) | undefined;
    const slow: CacheStore = {
      name: 'slow',
      get: (key) => Promise.resolve(inner.get(key)),
      set: (key, result, ttlMs) =>
        new Promise<void>((resolve) => {
          land = () => {
            inner.set(key, result, ttlMs);
            resolve();
          };
        }),
      invalidate: (filter) => inner.invalidate(filter),
    };
    const h = harness({ store: slow });
    await h.call({});
    const second = await h.call({});
    land?.();
    expect(metaOf(second)).toEqual({ hit: true, ageMs: 0 });
    expect(h.handled).toHaveLength(1);
  });
});

describe('cache: options', () => {
  it.each([
    [{ ttlMs: 0 }, 'ttlMs'],
    [{ ttlMs: 1.5 }, 'ttlMs'],
    [{ staleWhileRevalidateMs: -1 }, 'staleWhileRevalidateMs'],
    [{ maxEntries: 0 }, 'maxEntries'],
    [{ maxBytes: 'lots' }, 'maxBytes'],
    [{ maxEntryBytes: 0 }, 'maxEntryBytes'],
    [{ maxArgsChars: 1 }, 'maxArgsChars'],
    [{ scope: 'public' }, 'scope'],
    [{ cacheable: 42 }, 'cacheable'],
    [{ store: {} }, 'store'],
    [{ store: memoryStore(), maxEntries: 10 }, 'maxEntries'],
    [{ ttl: 1000 }, 'ttl'],
  ])('rejects %o at factory time with a ConfigError naming %s', (options, path) => {
    let thrown: unknown;
    try {
      cache(options as CacheOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).path).toBe(path);
  });

  it('suggests the option a typo meant', () => {
    expect(() => cache({ ttl: 1000 } as CacheOptions)).toThrow(/did you mean ttlMs/);
  });

  it('names the middleware function for stack traces', () => {
    expect(cache().name).toBe('cache');
  });
});
