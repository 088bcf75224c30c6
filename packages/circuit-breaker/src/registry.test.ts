import { EventEmitter } from 'node:events';
import { createTestContext, manualClock } from '@mcp-middleware/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { makeBreaker, type Breaker } from './opossum.js';
import { BreakerRegistry, type RegistrySettings } from './registry.js';

const made: BreakerRegistry[] = [];
afterEach(() => {
  for (const registry of made.splice(0)) registry.shutdown();
});

function setup(overrides: Partial<RegistrySettings> = {}) {
  const clock = manualClock();
  const breakers: Breaker[] = [];
  const registry = new BreakerRegistry({
    maxBreakers: 1000,
    volumeThreshold: 4,
    errorThresholdPercentage: 50,
    rollingWindowMs: 1_000,
    keyedByTool: true,
    clock,
    makeBreaker: (entry) => {
      const breaker = makeBreaker(entry.key, (ctx, next) => next(ctx), {
        resetTimeoutMs: 60_000,
        errorThresholdPercentage: 50,
        volumeThreshold: 4,
        rollingWindowMs: 1_000,
        buckets: 10,
        rotor: new EventEmitter(),
        errorFilter: () => false,
      });
      breakers.push(breaker);
      return breaker;
    },
    ...overrides,
  });
  made.push(registry);
  const ctx = createTestContext({ clock });
  const fail = (key: string, times: number): void => {
    for (let i = 0; i < times; i++) registry.failed(registry.enter(key, true), ctx);
  };
  const succeed = (key: string, times: number): void => {
    for (let i = 0; i < times; i++) registry.succeeded(registry.enter(key, true));
  };
  return { clock, registry, breakers, ctx, fail, succeed };
}

describe('BreakerRegistry', () => {
  it('counts a closed key without making an opossum breaker', () => {
    const { registry, breakers, succeed, fail } = setup();
    succeed('a', 10);
    fail('a', 2);
    expect(registry.enter('a', true).breaker).toBeUndefined();
    expect(breakers).toHaveLength(0);
    expect(registry.states()).toEqual(new Map([['a', 'closed']]));
  });

  it('trips past the threshold: makes the breaker once, opens it and remembers the failing call', () => {
    const { registry, breakers, ctx, fail } = setup();
    fail('a', 4);
    const entry = registry.enter('a', true);
    expect(breakers).toHaveLength(1);
    expect(entry.tripped).toBe(true);
    expect(entry.breaker?.opened).toBe(true);
    expect(entry.failed).toBe(ctx);
    expect(registry.states().get('a')).toBe('open');
  });

  it('does not trip before volumeThreshold calls, nor at exactly the threshold percentage', () => {
    const { registry, succeed, fail } = setup();
    fail('few', 3);
    succeed('half', 2);
    fail('half', 2);
    expect(registry.states()).toEqual(
      new Map([
        ['few', 'closed'],
        ['half', 'closed'],
      ]),
    );
  });

  it('forgets calls that rotated out of the window', async () => {
    const { clock, registry, fail } = setup();
    fail('a', 3);
    await clock.advance(1_000);
    fail('a', 1);
    expect(registry.states().get('a')).toBe('closed');
  });

  it('counts afresh once a probe closed the breaker', () => {
    const { registry, fail } = setup();
    fail('a', 4);
    const entry = registry.enter('a', true);
    entry.breaker?.close();
    registry.closed(entry);
    fail('a', 3);
    expect(entry.tripped).toBe(false);
    expect(entry.totalCalls).toBe(3);
  });

  it('evicts the least recently used closed key beyond maxBreakers', () => {
    const { registry, succeed } = setup({ maxBreakers: 4 });
    for (const key of ['a', 'b', 'c', 'd', 'a', 'e']) succeed(key, 1);
    expect([...registry.states().keys()].sort()).toEqual(['a', 'c', 'd', 'e']);
  });

  it('passes over tripped keys when evicting, and evicts one only when every key is tripped', () => {
    const { registry, breakers, succeed, fail } = setup({ maxBreakers: 2 });
    fail('down', 4);
    succeed('b', 1);
    succeed('c', 1);
    expect([...registry.states().keys()]).toEqual(['down', 'c']);
    fail('c', 4);
    succeed('d', 1);
    expect([...registry.states().keys()]).toEqual(['c', 'd']);
    expect(breakers[0]?.isShutdown).toBe(true);
  });

  it('holds at most maxBreakers keys while 10 000 distinct keys pass through', () => {
    const { registry, succeed } = setup({ maxBreakers: 100 });
    for (let i = 0; i < 10_000; i++) succeed(`tool-${i}`, 1);
    expect(registry.states().size).toBe(100);
  });

  it('stops its rotation timer after a whole idle window and holds none after shutdown', async () => {
    const { clock, registry, succeed } = setup();
    succeed('a', 1);
    expect(clock.pending).toBe(1);
    await clock.advance(1_000);
    expect(clock.pending).toBe(0);
    succeed('a', 1);
    registry.shutdown();
    expect(clock.pending).toBe(0);
    expect(registry.states().size).toBe(0);
  });
});
