// A contract test: what this package relies on in opossum. It fails loudly when an upgrade changes it.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { createTestContext } from '@mcp-middleware/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isOpenRejection, makeBreaker, type Breaker, type Run } from './opossum.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
const made: Breaker[] = [];
afterEach(() => {
  for (const breaker of made.splice(0)) breaker.shutdown();
  vi.useRealTimers();
});

function breaker(rotor = new EventEmitter()): Breaker {
  const created = makeBreaker('search', (ctx, next) => next(ctx), {
    resetTimeoutMs: 5_000,
    errorThresholdPercentage: 50,
    volumeThreshold: 2,
    rollingWindowMs: 10_000,
    buckets: 10,
    rotor,
    errorFilter: () => false,
  });
  made.push(created);
  return created;
}

const ctx = createTestContext();
const ok: Run = () => Promise.resolve('ok');
const down: Run = () => Promise.reject(new Error('down'));

describe('opossum, as this package uses it', () => {
  it('is major version 9 (read this file before an upgrade)', () => {
    const { version } = createRequire(import.meta.url)('opossum/package.json') as { version: string };
    expect(version.split('.')[0]).toBe('9');
  });

  it('opens on open(), emitting open, and rejects calls with an EOPENBREAKER error of its own', async () => {
    const b = breaker();
    const opened = vi.fn();
    b.on('open', opened);
    b.open();
    expect(opened).toHaveBeenCalledOnce();
    const error = await b.fire(ctx, ok).catch((e: unknown) => e);
    expect(isOpenRejection(error)).toBe(true);
    expect(isOpenRejection(new Error('EOPENBREAKER'))).toBe(false);
  });

  it('half-opens on the real setTimeout resetTimeoutMs after open(), emitting halfOpen', () => {
    const b = breaker();
    const halfOpened = vi.fn();
    b.on('halfOpen', halfOpened);
    b.open();
    vi.advanceTimersByTime(4_999);
    expect(b.opened).toBe(true);
    vi.advanceTimersByTime(1);
    expect(b.halfOpen).toBe(true);
    expect(halfOpened).toHaveBeenCalledOnce();
  });

  it('lets one probe through when half-open (pendingClose), closes on its success and emits close', async () => {
    const b = breaker();
    const closed = vi.fn();
    b.on('close', closed);
    b.open();
    vi.advanceTimersByTime(5_000);
    expect(b.pendingClose).toBe(true);
    let finish: (value: string) => void = () => undefined;
    const probe = b.fire(ctx, () => new Promise((resolve) => (finish = resolve)));
    expect(isOpenRejection(await b.fire(ctx, ok).catch((e: unknown) => e))).toBe(true);
    finish('back');
    expect(await probe).toBe('back');
    expect(b.closed).toBe(true);
    expect(closed).toHaveBeenCalledOnce();
  });

  it('opens again when the probe fails, emitting failure with the call arguments first', async () => {
    const b = breaker();
    const failures: unknown[] = [];
    b.on('failure', (_error, _latency, args) => failures.push(args[0]));
    b.open();
    vi.advanceTimersByTime(5_000);
    await b.fire(ctx, down).catch(() => undefined);
    expect(failures).toEqual([ctx]);
    expect(b.opened).toBe(true);
  });

  it('counts a rejection its errorFilter accepts as a success', async () => {
    const b = makeBreaker('search', (c, next) => next(c), {
      resetTimeoutMs: 5_000,
      errorThresholdPercentage: 50,
      volumeThreshold: 1,
      rollingWindowMs: 10_000,
      buckets: 10,
      rotor: new EventEmitter(),
      errorFilter: () => true,
    });
    made.push(b);
    await b.fire(ctx, down).catch(() => undefined);
    expect(b.closed).toBe(true);
    expect(b.stats.successes).toBe(1);
  });

  it('rotates its window on the rotor it is given, not on a timer of its own', async () => {
    const rotor = new EventEmitter();
    const b = breaker(rotor);
    await b.fire(ctx, down).catch(() => undefined);
    expect(b.stats.failures).toBe(1);
    for (let i = 0; i < 10; i++) rotor.emit('rotate');
    expect(b.stats.failures).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
