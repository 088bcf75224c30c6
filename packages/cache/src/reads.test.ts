import { describe, expect, it } from 'vitest';
import { ConfigError, createToolRunner, type Result, type ToolExtra } from '@mcp-middleware/core';
import { createTestExtra } from '@mcp-middleware/core/testing';
import { cache } from './cache.js';
import { keyFilter, resourcePart, toolPart } from './keys.js';

const extra = (clientId: string): ToolExtra =>
  createTestExtra({ requestId: 1, authInfo: { token: 't', clientId, scopes: [] } });

describe('cache({ operations })', () => {
  it('refuses an operation it cannot cache, naming the entry', () => {
    expect(() => cache({ operations: ['prompts/get' as 'tools/call'] })).toThrow(ConfigError);
    expect(() => cache({ operations: ['prompts/get' as 'tools/call'] })).toThrow('operations[0]');
    expect(() => cache({ operations: [] })).toThrow(ConfigError);
  });

  it('adds a resources/read step only when opted in', () => {
    expect(cache().requests).toBeUndefined();
    expect(Object.keys(cache({ operations: ['resources/read'] }).requests ?? {})).toEqual(['resources/read']);
  });

  it('forgets the reads of one resource on invalidate({ resource })', async () => {
    const middleware = cache({ operations: ['resources/read'] });
    const runner = createToolRunner([middleware]);
    let reads = 0;
    const read = (uri: string): Promise<Result> =>
      runner.request('resources/read', { uri }, uri, extra('a'), () =>
        Promise.resolve({ contents: [{ uri, text: String(++reads) }] }),
      );
    await read('a://1');
    await read('a://2');
    expect(await middleware.invalidate({ resource: 'a://1' })).toBe(1);
    await read('a://1');
    await read('a://2');
    expect(reads).toBe(3);
  });

  it('refuses invalidate naming a tool and a resource at once', async () => {
    await expect(cache().invalidate({ tool: 'a', resource: 'b' })).rejects.toThrow(TypeError);
  });
});

describe('resourcePart', () => {
  it('never equals the part of any tool, however the URI is spelt', () => {
    for (const name of ['a://1', '"a://1"', '#x', '\u0001a://1', 'x'.repeat(300)]) {
      expect(resourcePart(name)).not.toBe(toolPart(name));
      expect(keyFilter(name, undefined).tool).not.toBe(keyFilter(undefined, undefined, name).tool);
    }
  });
});
