import { describe, expect, it } from 'vitest';
import { createKey } from './contract.js';
import { extraFor } from './context.js';
import { EventChannel, type MiddlewareEvent } from './events.js';
import { createTestContext } from './testing/index.js';

describe('ToolContext', () => {
  it('derives a new context with other args, leaving the original unchanged', () => {
    const ctx = createTestContext({ args: { q: 'a' } });
    const derived = ctx.with({ args: { q: 'b' } });
    expect(ctx.args).toEqual({ q: 'a' });
    expect(derived.args).toEqual({ q: 'b' });
    expect(derived.tool).toBe(ctx.tool);
    expect(derived.requestId).toBe(ctx.requestId);
  });

  it('shares per-call state between a context and the contexts derived from it', () => {
    const key = createKey<string>('who');
    const ctx = createTestContext();
    const derived = ctx.with({ signal: new AbortController().signal });
    derived.set(key, 'alice');
    expect(ctx.get(key)).toBe('alice');
    expect(derived.with({}).get(key)).toBe('alice');
  });

  it('keeps every key apart however many a call sets, on any derived context, and an overwrite replaces', () => {
    const keys = Array.from({ length: 5 }, (_, i) => createKey<number>(`k${i}`));
    const ctx = createTestContext();
    const derived = ctx.with({ args: {} });
    keys.forEach((key, i) => (i % 2 === 0 ? ctx : derived).set(key, i));
    for (const key of keys) expect(ctx.get(key)).toBe(derived.get(key));
    expect(keys.map((key) => derived.with({}).get(key))).toEqual([0, 1, 2, 3, 4]);
    for (const key of keys) derived.set(key, 10 + (ctx.get(key) ?? 0));
    expect(keys.map((key) => ctx.get(key))).toEqual([10, 11, 12, 13, 14]);
    expect(ctx.get(createKey<number>('k0'))).toBeUndefined();
  });

  it('keeps state apart between calls', () => {
    const key = createKey<number>('n');
    const a = createTestContext();
    const b = createTestContext();
    a.set(key, 1);
    expect(b.get(key)).toBeUndefined();
  });

  it('hands the handler the SDK extra unchanged unless the signal was replaced', () => {
    const ctx = createTestContext();
    expect(extraFor(ctx)).toBe(ctx.extra);
    const signal = new AbortController().signal;
    const extra = extraFor(ctx.with({ signal }));
    expect(extra.signal).toBe(signal);
    expect(extra.requestId).toBe(ctx.extra.requestId);
  });

  it('publishes events with the call context', () => {
    const channel = new EventChannel();
    const seen: [MiddlewareEvent, unknown][] = [];
    channel.subscribe((event, c) => seen.push([event, c]));
    const ctx = createTestContext({ events: channel });
    ctx.emit({ type: 'timeout', timeoutMs: 5 });
    expect(seen).toEqual([[{ type: 'timeout', timeoutMs: 5 }, ctx]]);
  });
});

describe('EventChannel', () => {
  it('keeps a throwing listener from failing the publisher or starving other listeners', () => {
    const channel = new EventChannel();
    const seen: string[] = [];
    channel.subscribe(() => {
      throw new Error('listener bug');
    });
    channel.subscribe((e) => seen.push(e.type));
    const original = process.emitWarning;
    process.emitWarning = () => undefined;
    try {
      expect(() => channel.emit({ type: 'timeout', timeoutMs: 1 })).not.toThrow();
    } finally {
      process.emitWarning = original;
    }
    expect(seen).toEqual(['timeout']);
  });

  it('stops delivering after unsubscribe', () => {
    const channel = new EventChannel();
    const seen: string[] = [];
    const off = channel.subscribe((e) => seen.push(e.type));
    off();
    channel.emit({ type: 'timeout', timeoutMs: 1 });
    expect(seen).toEqual([]);
    expect(channel.active).toBe(false);
  });
});
