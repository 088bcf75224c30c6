import { ConfigError, type CallToolResult } from '@mcp-middleware/core';
import { describe, expect, it } from 'vitest';
import { keyFilter, principalPart, SEPARATOR } from './keys.js';
import { memoryStore } from './memory-store.js';
import type { StoredResult } from './store.js';

function stored(text: string, storedAt = 1): StoredResult {
  const value: CallToolResult = { content: [{ type: 'text', text }] };
  const json = JSON.stringify(value);
  return { value, json, bytes: Buffer.byteLength(json), storedAt };
}

describe('memoryStore', () => {
  it('gives back what was stored, with its time', () => {
    const store = memoryStore();
    store.set('k', stored('hello', 42), 1000);
    expect(store.get('k')).toMatchObject({
      value: { content: [{ type: 'text', text: 'hello' }] },
      storedAt: 42,
    });
  });

  it('answers synchronously, so a hit needs no await', () => {
    const store = memoryStore();
    store.set('k', stored('x'), 1000);
    expect(store.get('k')).not.toBeInstanceOf(Promise);
  });

  it('keeps a frozen copy that later changes to the handler’s object do not reach', () => {
    const store = memoryStore();
    const result = stored('original');
    store.set('k', result, 1000);
    (result.value.content[0] as { text: string }).text = 'changed';
    const entry = store.get('k');
    expect(entry?.value.content[0]).toEqual({ type: 'text', text: 'original' });
    expect(Object.isFrozen(entry?.value.content[0])).toBe(true);
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const store = memoryStore({ maxEntries: 2 });
    store.set('a', stored('a'), 1000);
    store.set('b', stored('b'), 1000);
    store.get('a');
    store.set('c', stored('c'), 1000);
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBeDefined();
    expect(store.get('c')).toBeDefined();
  });

  it('holds maxEntries entries at most, replacing a key without evicting another', () => {
    const store = memoryStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'a', 'd', 'e']) store.set(key, stored(key), 1000);
    expect(store.size).toBe(3);
    expect(['a', 'b', 'c', 'd', 'e'].filter((key) => store.get(key) !== undefined)).toEqual(['a', 'd', 'e']);
  });

  it('allocates nothing up front for the largest maxEntries it accepts', () => {
    // lru-cache given `max` allocates arrays for every entry at once: about 400 MB for 2 ** 24.
    const before = process.memoryUsage();
    const store = memoryStore({ maxEntries: 2 ** 24 });
    const after = process.memoryUsage();
    const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    expect(grown).toBeLessThan(16 * 1024 * 1024);
    store.set('k', stored('x'), 1000);
    expect(store.size).toBe(1);
  });

  it('evicts entries to stay within maxBytes', () => {
    const one = stored('x'.repeat(100));
    const store = memoryStore({ maxBytes: (one.bytes + 1) * 2 });
    store.set('a', one, 1000);
    store.set('b', one, 1000);
    store.set('c', one, 1000);
    expect(store.get('a')).toBeUndefined();
    expect(store.get('c')).toBeDefined();
  });

  it('refuses an entry larger than maxBytes on its own', () => {
    const store = memoryStore({ maxBytes: 50 });
    store.set('big', stored('x'.repeat(100)), 1000);
    expect(store.get('big')).toBeUndefined();
  });

  it('deletes one entry', () => {
    const store = memoryStore();
    store.set('k', stored('x'), 1000);
    store.delete?.('k');
    expect(store.get('k')).toBeUndefined();
  });

  it('invalidates the entries a filter selects and counts them', () => {
    const store = memoryStore();
    const key = (tool: string, who: string): string =>
      `${tool}${SEPARATOR}${principalPart(who)}${SEPARATOR}{}`;
    store.set(key('search', 'alice'), stored('1'), 1000);
    store.set(key('search', 'bob'), stored('2'), 1000);
    store.set(key('fetch', 'alice'), stored('3'), 1000);
    expect(store.invalidate(keyFilter(undefined, 'alice'))).toBe(2);
    expect(store.get(key('search', 'bob'))).toBeDefined();
    expect(store.get(key('search', 'alice'))).toBeUndefined();
  });

  it.each([
    [{ maxEntries: 0 }, 'maxEntries'],
    [{ maxBytes: -1 }, 'maxBytes'],
    [{ maxEntries: 1.5 }, 'maxEntries'],
    [{ maxEntry: 10 }, 'maxEntry'],
  ])('rejects %o with a ConfigError naming %s', (options, path) => {
    expect(() => memoryStore(options as never)).toThrow(ConfigError);
    try {
      memoryStore(options as never);
    } catch (error) {
      expect((error as ConfigError).path).toBe(path);
    }
  });

  describe('generations', () => {
    const entry = (tool: string, partition: string): string => `${tool}\u001f${partition}\u001f{}`;

    it('makes every entry of a bumped partition stale, and no other', () => {
      const store = memoryStore();
      store.set(entry('a', 'p:alice'), stored('a'), 1000);
      store.set(entry('b', 'p:alice'), stored('b'), 1000);
      store.set(entry('a', 'p:bob'), stored('c'), 1000);
      store.bump(['p:alice']);
      expect(store.get(entry('a', 'p:alice'))).toBeUndefined();
      expect(store.get(entry('b', 'p:alice'))).toBeUndefined();
      expect(store.get(entry('a', 'p:bob'))).toBeDefined();
    });

    it('makes every entry stale when all partitions are bumped', () => {
      const store = memoryStore();
      store.set(entry('a', 'p:alice'), stored('a'), 1000);
      store.set(entry('a', 'shared'), stored('b'), 1000);
      store.bump(['*']);
      expect(store.get(entry('a', 'p:alice'))).toBeUndefined();
      expect(store.get(entry('a', 'shared'))).toBeUndefined();
    });

    it('serves what is stored after a bump', () => {
      const store = memoryStore();
      store.bump(['p:alice']);
      store.set(entry('a', 'p:alice'), stored('a'), 1000);
      store.bump(['p:bob']);
      expect(store.get(entry('a', 'p:alice'))).toBeDefined();
    });

    it('stays bounded in partitions, making old entries stale rather than serving them wrongly', () => {
      const store = memoryStore({ maxEntries: 2 });
      store.set(entry('a', 'p:1'), stored('1'), 1000);
      store.set(entry('a', 'p:2'), stored('2'), 1000);
      store.set(entry('a', 'p:3'), stored('3'), 1000);
      store.bump(['p:1']);
      expect(store.get(entry('a', 'p:1'))).toBeUndefined();
      expect(store.get(entry('a', 'p:3'))).toBeDefined();
    });
  });
});
