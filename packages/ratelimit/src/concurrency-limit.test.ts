import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  compose,
  EventChannel,
  type CallToolResult,
  type MiddlewareEvent,
} from '@mcp-middleware/core';
import { createTestContext, manualClock, rejectionOf, textResult } from '@mcp-middleware/core/testing';
import { concurrencyLimit, type ConcurrencyLimitOptions } from './concurrency-limit.js';

interface Gate {
  readonly promise: Promise<CallToolResult>;
  open(): void;
}

// Handler calls that stay in progress until the test opens them.
function harness(options: ConcurrencyLimitOptions) {
  const clock = manualClock();
  const events: MiddlewareEvent[] = [];
  const channel = new EventChannel();
  channel.subscribe((event) => events.push(event));
  const middleware = concurrencyLimit(options);
  const running: Gate[] = [];
  const started: string[] = [];
  const call = (label: string, setup: { tool?: string; signal?: AbortSignal } = {}) => {
    const ctx = createTestContext({
      clock,
      events: channel,
      tool: { name: setup.tool ?? 'search' },
      signal: setup.signal,
    });
    return middleware(ctx, () => {
      started.push(label);
      let open!: () => void;
      const promise = new Promise<CallToolResult>((resolve) => {
        open = () => resolve(textResult(label));
      });
      running.push({ promise, open });
      return promise;
    });
  };
  return { call, clock, events, running, started };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('concurrencyLimit', () => {
  it('requires max', () => {
    expect(() => concurrencyLimit({} as ConcurrencyLimitOptions)).toThrow(ConfigError);
  });

  it('runs up to max calls at once and rejects the next with CONCURRENCY_LIMITED', async () => {
    const { call, started } = harness({ max: 2 });
    void call('a');
    void call('b');
    const error = await rejectionOf(call('c'), 'CONCURRENCY_LIMITED');
    expect(error.code).toBe('CONCURRENCY_LIMITED');
    expect(error.retryable).toBe(true);
    expect(started).toEqual(['a', 'b']);
  });

  it('says which tool is full and that a retry shortly may succeed', async () => {
    const { call } = harness({ max: 1 });
    void call('a');
    const error = await rejectionOf(call('b'), 'CONCURRENCY_LIMITED');
    expect(error.message).toBe(
      'tool `search` is at its concurrency limit (1 call in progress); retry shortly',
    );
  });

  it('emits a reject event from source concurrencyLimit', async () => {
    const { call, events } = harness({ max: 1 });
    void call('a');
    await call('b').catch(() => undefined);
    expect(events).toEqual([{ type: 'reject', code: 'CONCURRENCY_LIMITED', source: 'concurrencyLimit' }]);
  });

  it('frees the slot when a call finishes', async () => {
    const { call, running, started } = harness({ max: 1 });
    const first = call('a');
    running[0]?.open();
    await first;
    void call('b');
    expect(started).toEqual(['a', 'b']);
  });

  it('frees the slot when the handler throws', async () => {
    const middleware = concurrencyLimit({ max: 1 });
    const ctx = createTestContext();
    await middleware(ctx, () => Promise.reject(new Error('boom'))).catch(() => undefined);
    // In a pipeline a handler's synchronous throw reaches the middleware as a rejection (the contract's `Next`).
    await compose([middleware])(ctx, () => {
      throw new Error('sync boom');
    }).catch(() => undefined);
    const result = await middleware(ctx, () => Promise.resolve(textResult('ok')));
    expect(result).toEqual(textResult('ok'));
  });

  it('keeps a bulkhead per tool by default', () => {
    const { call, started } = harness({ max: 1 });
    void call('a', { tool: 'search' });
    void call('b', { tool: 'fetch' });
    expect(started).toEqual(['a', 'b']);
  });

  it('keeps a busy key at its limit while idle keys are forgotten around it', async () => {
    const { call, running } = harness({ max: 1 });
    void call('busy', { tool: 'busy' });
    for (let i = 0; i < 3000; i++) {
      const other = call(`t${i}`, { tool: `t${i}` });
      running.at(-1)?.open();
      await other;
    }
    const error = await rejectionOf(call('again', { tool: 'busy' }), 'CONCURRENCY_LIMITED');
    expect(error.code).toBe('CONCURRENCY_LIMITED');
  });

  it('runs queued calls in arrival order as slots free', async () => {
    const { call, running, started } = harness({ max: 1, queue: 2 });
    void call('a');
    const b = call('b');
    const c = call('c');
    running[0]?.open();
    await settle();
    running[1]?.open();
    await b;
    await settle();
    running[2]?.open();
    await c;
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('rejects a call when max are running and the queue is full', async () => {
    const { call } = harness({ max: 1, queue: 1 });
    void call('a');
    void call('b');
    const error = await rejectionOf(call('c'), 'CONCURRENCY_LIMITED');
    expect(error.data).toEqual({ max: 1, active: 1, queued: 1 });
  });

  it('rejects a queued call after queueTimeoutMs on the clock', async () => {
    const { call, clock, started } = harness({ max: 1, queue: 1, queueTimeoutMs: 5000 });
    void call('a');
    const queued = rejectionOf(call('b'), 'CONCURRENCY_LIMITED');
    await clock.advance(5000);
    const error = await queued;
    expect(error.message).toBe(
      'tool `search` stayed at its concurrency limit (1 call in progress) for 5 s; retry shortly',
    );
    expect(started).toEqual(['a']);
  });

  it('takes a cancelled queued call out of the queue at once', async () => {
    const { call, running, started } = harness({ max: 1, queue: 1 });
    void call('a');
    const controller = new AbortController();
    const cancelled = rejectionOf(call('b', { signal: controller.signal }), 'CANCELLED');
    controller.abort();
    const error = await cancelled;
    void call('c');
    running[0]?.open();
    await settle();
    expect(error.code).toBe('CANCELLED');
    expect(started).toEqual(['a', 'c']);
  });

  it('rejects at once a call whose request was cancelled before it could queue', async () => {
    const { call, clock } = harness({ max: 1, queue: 1 });
    void call('a');
    const error = await rejectionOf(call('b', { signal: AbortSignal.abort() }), 'CANCELLED');
    expect(error.code).toBe('CANCELLED');
    expect(clock.pending).toBe(0);
  });

  it('leaves no abort listener and no timer behind once queued calls are done', async () => {
    const { call, clock, running } = harness({ max: 1, queue: 2, queueTimeoutMs: 5000 });
    const admitted = new AbortController();
    const cancelled = new AbortController();
    void call('a');
    const b = call('b', { signal: admitted.signal });
    const c = call('c', { signal: cancelled.signal });
    cancelled.abort();
    await c.catch(() => undefined);
    running[0]?.open();
    await settle();
    running[1]?.open();
    await b;
    expect(getEventListeners(admitted.signal, 'abort')).toHaveLength(0);
    expect(clock.pending).toBe(0);
  });
});
