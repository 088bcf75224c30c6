import { describe, expect, it } from 'vitest';
import { CACHE_META_KEY, isPromise, marked } from './marked.js';

describe('marked', () => {
  it('adds the hit mark with its age to a copy', () => {
    const value = Object.freeze({ content: [] });
    expect(marked(value, 12, false)).toEqual({
      content: [],
      _meta: { [CACHE_META_KEY]: { hit: true, ageMs: 12 } },
    });
  });

  it('flags a stale result', () => {
    expect(marked({ content: [] }, 5, true)._meta?.[CACHE_META_KEY]).toEqual({
      hit: true,
      ageMs: 5,
      stale: true,
    });
  });

  it('keeps the value’s own _meta and leaves the value untouched', () => {
    const value = Object.freeze({ content: [], _meta: Object.freeze({ mine: 1 }) });
    const copy = marked(value, 0, false);
    expect(copy._meta).toEqual({ mine: 1, [CACHE_META_KEY]: { hit: true, ageMs: 0 } });
    expect(value._meta).toEqual({ mine: 1 });
  });
});

describe('isPromise', () => {
  it('tells a promise from an entry or undefined', () => {
    expect(isPromise(Promise.resolve(1))).toBe(true);
    expect(isPromise({ value: 1 })).toBe(false);
    expect(isPromise(undefined)).toBe(false);
  });
});
