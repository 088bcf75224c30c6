import { describe, expect, it } from 'vitest';
import { byteCap, checkPayload, estimateJsonBytes, type PayloadLimits } from './payload.js';

const limits: PayloadLimits = {
  maxBytes: 10_000,
  maxDepth: 5,
  maxStringLength: 100,
  maxArrayLength: 10,
  forbiddenKeys: new Set(['__proto__', 'constructor', 'prototype']),
};

function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let node = root;
  for (let i = 1; i < levels; i++) {
    const next: Record<string, unknown> = {};
    node.a = next;
    node = next;
  }
  return root;
}

describe('checkPayload', () => {
  it('accepts a value within every limit', () => {
    expect(
      checkPayload({ query: 'mcp', limit: 10, tags: ['a', 'b'], deep: { x: null } }, limits),
    ).toBeUndefined();
  });

  it('refuses a value whose estimated size exceeds maxBytes', () => {
    const value = {
      items: Array.from({ length: 10 }, () => 'x'.repeat(99)),
      more: { items: ['y'.repeat(99)] },
    };
    expect(checkPayload(value, { ...limits, maxBytes: 1000 })).toEqual({ kind: 'bytes', limit: 1000 });
  });

  it('stops at maxDepth and names the path to the first level too deep', () => {
    expect(checkPayload(nested(6), limits)).toEqual({
      kind: 'depth',
      limit: 5,
      path: ['a', 'a', 'a', 'a', 'a'],
    });
  });

  it('accepts nesting exactly maxDepth levels deep', () => {
    expect(checkPayload(nested(5), limits)).toBeUndefined();
  });

  it('refuses 10 000 levels of nesting without overflowing the stack', () => {
    const violation = checkPayload(nested(10_000), { ...limits, maxDepth: 32 });
    expect(violation).toMatchObject({ kind: 'depth', limit: 32 });
  });

  it('counts arrays as nesting levels too', () => {
    expect(checkPayload({ a: [[[[[1]]]]] }, limits)).toEqual({
      kind: 'depth',
      limit: 5,
      path: ['a', 0, 0, 0, 0],
    });
  });

  it('refuses a string longer than maxStringLength and names its path', () => {
    expect(checkPayload({ list: [{ text: 'x'.repeat(101) }] }, limits)).toEqual({
      kind: 'string',
      limit: 100,
      length: 101,
      path: ['list', 0, 'text'],
    });
  });

  it('applies maxStringLength to property names', () => {
    expect(checkPayload({ ['k'.repeat(101)]: 1 }, limits)).toMatchObject({ kind: 'string', length: 101 });
  });

  it('refuses an array longer than maxArrayLength and names the array', () => {
    expect(checkPayload({ page: { ids: Array.from({ length: 11 }, (_, i) => i) } }, limits)).toEqual({
      kind: 'array',
      limit: 10,
      length: 11,
      path: ['page', 'ids'],
    });
  });

  it('refuses an own __proto__ key as JSON.parse creates it', () => {
    const value: unknown = JSON.parse('{"a":[{"b":{"__proto__":{"polluted":true}}}]}');
    expect(checkPayload(value, limits)).toEqual({
      kind: 'key',
      key: '__proto__',
      path: ['a', 0, 'b', '__proto__'],
    });
  });

  it('refuses constructor and prototype keys', () => {
    expect(checkPayload({ constructor: { prototype: {} } }, limits)).toMatchObject({
      kind: 'key',
      key: 'constructor',
    });
    expect(checkPayload({ x: { prototype: 1 } }, limits)).toMatchObject({ kind: 'key', key: 'prototype' });
  });

  it('does not mistake inherited properties for keys', () => {
    // `constructor` is on Object.prototype, never an own key of a plain object.
    expect(checkPayload({ a: {} }, limits)).toBeUndefined();
  });

  it('allows every key when forbiddenKeys is empty', () => {
    expect(
      checkPayload(JSON.parse('{"__proto__":1}'), { ...limits, forbiddenKeys: new Set() }),
    ).toBeUndefined();
  });

  it('ends the walk of a cyclic value at maxBytes', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = [cyclic];
    expect(checkPayload(cyclic, { ...limits, maxDepth: 1_000_000 })).toEqual({
      kind: 'bytes',
      limit: 10_000,
    });
  });

  it('checks a string given as the whole value', () => {
    expect(checkPayload('x'.repeat(101), limits)).toMatchObject({ kind: 'string', path: [] });
    expect(checkPayload(42, limits)).toBeUndefined();
  });

  it('treats a typed array as an array of its bytes', () => {
    expect(checkPayload({ data: new Uint8Array(11) }, limits)).toMatchObject({ kind: 'array', length: 11 });
  });

  it('refuses 10 MB of arguments with a bytes or string violation', () => {
    const big = { blob: 'x'.repeat(10 * 1024 * 1024) };
    expect(
      checkPayload(big, { ...limits, maxStringLength: 20 * 1024 * 1024, maxBytes: 1024 * 1024 }),
    ).toEqual({
      kind: 'bytes',
      limit: 1024 * 1024,
    });
  });
});

describe('estimateJsonBytes', () => {
  it('matches the JSON length of a plain ASCII value within a small margin', () => {
    const value = {
      content: [{ type: 'text', text: 'hello world '.repeat(50) }],
      structuredContent: { items: [1, 22, 333, -4, 5.5, true, false, null], name: 'x' },
    };
    const exact = JSON.stringify(value).length;
    const estimate = estimateJsonBytes(value, byteCap(1_000_000));
    expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.05);
  });

  it('counts long strings by their UTF-8 size', () => {
    const text = 'é'.repeat(2000);
    expect(estimateJsonBytes(text, byteCap(1_000_000))).toBe(4002);
  });

  it('stops counting once the cap is passed', () => {
    const estimate = estimateJsonBytes({ a: 'x'.repeat(500), b: 'y'.repeat(500) }, byteCap(100));
    expect(estimate).toBeGreaterThan(100);
    expect(estimate).toBeLessThan(700);
  });
});
