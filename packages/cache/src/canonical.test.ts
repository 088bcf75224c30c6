import { describe, expect, it } from 'vitest';
import { CanonicalError, MAX_DEPTH, canonicalJson } from './canonical.js';

const LIMIT = 65_536;

function failure(value: unknown, max = LIMIT): CanonicalError {
  try {
    canonicalJson(value, max);
  } catch (error) {
    if (error instanceof CanonicalError) return error;
    throw error;
  }
  throw new Error('expected canonicalJson to throw');
}

describe('canonicalJson', () => {
  it('gives the same text for objects whose keys were inserted in different orders', () => {
    const a = canonicalJson({ b: 1, a: { d: [1, 2], c: 'x' } }, LIMIT);
    const b = canonicalJson({ a: { c: 'x', d: [1, 2] }, b: 1 }, LIMIT);
    expect(a).toBe(b);
    expect(a).toBe('{"a":{"c":"x","d":[1,2]},"b":1}');
  });

  it('sorts objects with many keys the same way as objects with few', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${(i * 17) % 40}`);
    const forward = Object.fromEntries(keys.map((k) => [k, k]));
    const backward = Object.fromEntries([...keys].reverse().map((k) => [k, k]));
    expect(canonicalJson(forward, LIMIT)).toBe(canonicalJson(backward, LIMIT));
    expect(JSON.parse(canonicalJson(forward, LIMIT))).toEqual(forward);
  });

  it('produces valid JSON equal to the input for JSON values', () => {
    const value = {
      text: 'quote " backslash \\ newline \n \u001f',
      n: -0.5,
      ok: true,
      none: null,
      list: [{}],
    };
    expect(JSON.parse(canonicalJson(value, LIMIT))).toEqual(value);
  });

  it('drops undefined properties, so an absent optional and an explicit undefined share a key', () => {
    expect(canonicalJson({ a: 1, b: undefined }, LIMIT)).toBe(canonicalJson({ a: 1 }, LIMIT));
  });

  it('keeps array order and tells undefined elements from null ones', () => {
    expect(canonicalJson([2, 1], LIMIT)).not.toBe(canonicalJson([1, 2], LIMIT));
    expect(canonicalJson([undefined], LIMIT)).not.toBe(canonicalJson([null], LIMIT));
  });

  it('encodes undefined args (a tool without an input schema) apart from an empty object', () => {
    expect(canonicalJson(undefined, LIMIT)).not.toBe(canonicalJson({}, LIMIT));
  });

  it('keys a Date by its instant, apart from the same instant written as a string', () => {
    const date = new Date('2026-11-24T00:00:00Z');
    expect(canonicalJson({ at: date }, LIMIT)).toBe(canonicalJson({ at: new Date(date.getTime()) }, LIMIT));
    expect(canonicalJson({ at: date }, LIMIT)).not.toBe(canonicalJson({ at: date.toISOString() }, LIMIT));
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { b: 2, a: 1 });
    expect(canonicalJson(bare, LIMIT)).toBe('{"a":1,"b":2}');
  });

  it('rejects a cycle as unserialisable', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const error = failure(cyclic);
    expect(error.reason).toBe('args-unserialisable');
    expect(error.message).toContain('cycle');
  });

  it('rejects nesting deeper than the limit as unserialisable', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i <= MAX_DEPTH; i++) deep = [deep];
    expect(failure(deep).reason).toBe('args-unserialisable');
  });

  it.each([
    ['a BigInt', { n: 10n }],
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('x') }],
    ['a non-finite number', { n: Number.NaN }],
    ['a non-finite number', { n: Infinity }],
    ['an invalid Date', { d: new Date(Number.NaN) }],
    ['not plain', { m: new Map([[1, 2]]) }],
    ['not plain', { s: new Set([1]) }],
  ])('rejects %s as unserialisable', (detail, value) => {
    const error = failure(value);
    expect(error.reason).toBe('args-unserialisable');
    expect(error.message).toContain(detail);
  });

  it('never puts the offending value in its message', () => {
    expect(failure({ secret: 12345678901234567890n }).message).not.toContain('1234567890');
  });

  it('rejects args whose canonical form is longer than maxChars as too large', () => {
    expect(failure({ text: 'x'.repeat(200) }, 100).reason).toBe('args-too-large');
  });

  it('stops encoding a huge value as soon as the budget is spent', () => {
    let reads = 0;
    const huge = Array.from({ length: 10_000 }, () => ({
      get v(): number {
        reads++;
        return 1;
      },
    }));
    expect(failure(huge, 1000).reason).toBe('args-too-large');
    expect(reads).toBeLessThan(200);
  });

  it('recovers after a failure: the next call encodes from scratch', () => {
    failure({ n: 1n });
    expect(canonicalJson({ a: [1] }, LIMIT)).toBe('{"a":[1]}');
  });
});
