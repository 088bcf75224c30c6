import { describe, expect, it } from 'vitest';
import { jsonProblemOf } from './json-safe.js';

const throws = (value: unknown): boolean => {
  try {
    JSON.stringify(value);
    return false;
  } catch {
    return true;
  }
};

function nested(depth: number, leaf: unknown): unknown {
  let node = leaf;
  for (let i = 0; i < depth; i++) node = i % 2 === 0 ? { child: node } : [node];
  return node;
}

describe('jsonProblemOf', () => {
  // The class: whatever the shape, it finds a problem exactly when JSON.stringify would throw.
  it('agrees with JSON.stringify on leaves, shared references, cycles, BigInts and toJSON at every depth', () => {
    const shared = { text: 'shared' };
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const indirect: Record<string, unknown> = { list: [] };
    (indirect.list as unknown[]).push({ back: indirect });
    // An array with a hole (JSON writes it as null).
    const holey: number[] = [1];
    holey[2] = 3;
    const values: unknown[] = [
      undefined,
      null,
      'text',
      1,
      true,
      10n,
      { content: [{ type: 'text', text: 'ok' }] },
      { a: shared, b: shared, c: [shared, shared] },
      cyclic,
      indirect,
      { when: new Date(0), bytes: Buffer.from('x') },
      { toJSON: () => ({ fine: true }), big: 1n },
      Object.create({ inherited: 1n }, { own: { value: 'x', enumerable: true } }),
      holey,
    ];
    for (const depth of [0, 1, 2, 7]) {
      for (const value of values) {
        const wrapped = nested(depth, value);
        expect(jsonProblemOf(wrapped) !== undefined, `depth ${depth}: ${String(value)}`).toBe(
          throws(wrapped),
        );
      }
    }
  });

  it('names the problem, and stops past 512 levels of nesting', () => {
    expect(jsonProblemOf({ n: [1n] })).toBe('a BigInt');
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(jsonProblemOf({ cyclic })).toBe('a cycle');
    expect(jsonProblemOf(nested(600, 'leaf'))).toBe('nesting deeper than 512');
    expect(jsonProblemOf(nested(500, 'leaf'))).toBeUndefined();
  });

  it('answers for a value that cannot be read, and the next walk starts clean', () => {
    const hostile = {
      get boom(): never {
        throw new Error('no');
      },
    };
    expect(jsonProblemOf({ deep: { hostile } })).toBe('a value that cannot be read');
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(jsonProblemOf([revoked.proxy])).toBe('a value that cannot be read');
    // After a throw mid-walk, the objects it was inside are not taken for ancestors of the next walk.
    let reads = 0;
    const once = {
      get flaky(): number {
        if (reads++ === 0) throw new Error('first read fails');
        return 1;
      },
    };
    expect(jsonProblemOf({ once })).toBe('a value that cannot be read');
    expect(jsonProblemOf({ again: once })).toBeUndefined();
  });

  it('walks a value its own getter walks again (re-entry) without mixing the two walks', () => {
    const inner = { fine: 'yes' };
    const outer = {
      get probe(): string | undefined {
        return jsonProblemOf({ inner, big: 1n });
      },
      inner,
    };
    expect(jsonProblemOf(outer)).toBeUndefined();
    expect(outer.probe).toBe('a BigInt');
  });
});
