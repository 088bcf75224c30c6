import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS_PARTITION,
  MAX_INLINE_ARGS_CHARS,
  MAX_KEY_CHARS,
  SEPARATOR,
  SHARED_PARTITION,
  argsPart,
  keyFilter,
  principalPart,
  toolPart,
} from './keys.js';

const key = (tool: string, partition: string, args: string): string =>
  toolPart(tool) + SEPARATOR + partition + SEPARATOR + argsPart(args);

describe('toolPart', () => {
  it('keeps a plain tool name readable', () => {
    expect(toolPart('search_docs')).toBe('search_docs');
  });

  it('quotes a name with a quote or a control character, so it cannot hold a raw separator', () => {
    expect(toolPart(`a${SEPARATOR}b`)).not.toContain(SEPARATOR);
    expect(toolPart('"x"')).toBe(JSON.stringify('"x"'));
  });

  it('never gives two names the same part', () => {
    const names = ['x', '"x"', '#x', `#${'a'.repeat(43)}`, 'a'.repeat(200), 'b'.repeat(200)];
    expect(new Set(names.map(toolPart)).size).toBe(names.length);
  });

  it('hashes a very long name to a bounded part, and a name that quoting makes long', () => {
    expect(toolPart('t'.repeat(10_000)).length).toBeLessThan(50);
    expect(toolPart('\u0001'.repeat(100))).toMatch(/^#/);
  });

  it('keeps every key within MAX_KEY_CHARS, however long the tool name, principal id and args', () => {
    const tools = ['x'.repeat(128), '"'.repeat(63), '"'.repeat(64), 'z'.repeat(10_000)];
    const principals = ['p'.repeat(128), 'q'.repeat(10_000), `a${SEPARATOR}b`];
    const args = ['y'.repeat(128), JSON.stringify({ q: 'x'.repeat(10_000) })];
    for (const tool of tools) {
      for (const principal of principals) {
        for (const a of args)
          expect(key(tool, principalPart(principal), a).length).toBeLessThanOrEqual(MAX_KEY_CHARS);
      }
    }
  });
});

describe('principalPart', () => {
  it('keeps a short plain id readable', () => {
    expect(principalPart('user-42')).toBe('p:user-42');
  });

  it('hashes a long id and an id holding the separator', () => {
    expect(principalPart('u'.repeat(500))).toMatch(/^h:[\w-]{43}$/);
    expect(principalPart(`a${SEPARATOR}b`)).toMatch(/^h:/);
  });

  it('never collides with the anonymous or shared partitions', () => {
    for (const id of ['anon', 'shared', '', 'p:anon']) {
      expect([ANONYMOUS_PARTITION, SHARED_PARTITION]).not.toContain(principalPart(id));
    }
  });
});

describe('argsPart', () => {
  it('keeps short canonical args as they are', () => {
    expect(argsPart('{"q":"x"}')).toBe('{"q":"x"}');
  });

  it('hashes long canonical args, keeping keys bounded', () => {
    const long = JSON.stringify({ q: 'x'.repeat(MAX_INLINE_ARGS_CHARS * 10) });
    const part = argsPart(long);
    expect(part).toMatch(/^#[\w-]{43}$/);
    expect(argsPart(`${long} `)).not.toBe(part);
  });
});

describe('keyFilter', () => {
  const keys = [
    key('search', principalPart('alice'), '{}'),
    key('search', principalPart('bob'), '{}'),
    key('search', SHARED_PARTITION, '{}'),
    key('fetch', principalPart('alice'), '{"url":"x"}'),
    key('fetch', ANONYMOUS_PARTITION, '{"url":"x"}'),
  ];

  it('selects every key of one tool', () => {
    expect(keys.filter(keyFilter('search', undefined).matches)).toEqual(keys.slice(0, 3));
  });

  it('selects every key of one principal, and not the shared ones', () => {
    expect(keys.filter(keyFilter(undefined, 'alice').matches)).toEqual([keys[0], keys[3]]);
  });

  it('selects one principal of one tool', () => {
    expect(keys.filter(keyFilter('fetch', 'alice').matches)).toEqual([keys[3]]);
  });

  it('selects everything when empty, and nothing that is not a cache key', () => {
    const filter = keyFilter(undefined, undefined);
    expect(keys.every(filter.matches)).toBe(true);
    expect(filter.matches('unrelated')).toBe(false);
  });

  it('exposes the encoded parts a store can turn into a pattern', () => {
    const filter = keyFilter('fetch', 'alice');
    expect(filter.tool).toBe('fetch');
    expect(filter.partition).toBe('p:alice');
  });
});
