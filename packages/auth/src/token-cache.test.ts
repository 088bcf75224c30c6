import { describe, expect, it } from 'vitest';
import { bucketOf, TokenCache } from './token-cache.js';

describe('TokenCache', () => {
  it('serves an entry until its token expires', () => {
    const cache = new TokenCache<string>(10, 60_000);
    cache.set('t', 'v', 1_000, 0);
    expect(cache.get('t', 999)).toBe('v');
    expect(cache.get('t', 1_000)).toBeUndefined();
  });

  it('serves an entry no longer than maxAgeMs after it was cached', () => {
    const cache = new TokenCache<string>(10, 500);
    cache.set('t', 'v', 10_000, 0);
    expect(cache.get('t', 500)).toBeUndefined();
  });

  it('drops an expired entry when it is read', () => {
    const cache = new TokenCache<string>(10, 60_000);
    cache.set('t', 'v', 100, 0);
    cache.get('t', 200);
    expect(cache.size).toBe(0);
  });

  it('ignores an entry that is already expired', () => {
    const cache = new TokenCache<string>(10, 60_000);
    cache.set('t', 'v', 100, 100);
    expect(cache.size).toBe(0);
  });

  it('evicts the oldest entry when full', () => {
    const cache = new TokenCache<string>(2, 60_000);
    cache.set('a', '1', 10_000, 0);
    cache.set('b', '2', 10_000, 0);
    cache.set('c', '3', 10_000, 0);
    expect([cache.get('a', 1), cache.get('b', 1), cache.get('c', 1)]).toEqual([undefined, '2', '3']);
  });

  it('caches nothing with room for no entries', () => {
    const cache = new TokenCache<string>(0, 60_000);
    cache.set('a', '1', 10_000, 0);
    expect(cache.get('a', 1)).toBeUndefined();
  });

  it('forgets everything on clear', () => {
    const cache = new TokenCache<string>(10, 60_000);
    cache.set('a', '1', 10_000, 0);
    cache.clear();
    expect(cache.get('a', 1)).toBeUndefined();
  });

  it('never answers one token for another that shares its bucket', () => {
    // "Aa" and "BB" weigh the same in a base-31 polynomial hash.
    const pair = ['signature-Aa', 'signature-BB'] as const;
    expect(bucketOf(pair[0])).toBe(bucketOf(pair[1]));
    const cache = new TokenCache<string>(10, 60_000);
    cache.set(pair[0], 'first', 10_000, 0);
    expect(cache.get(pair[1], 1)).toBeUndefined();
    cache.set(pair[1], 'second', 10_000, 0);
    expect([cache.get(pair[0], 1), cache.get(pair[1], 1)]).toEqual([undefined, 'second']);
  });
});
