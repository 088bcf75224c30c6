// `cacheable` takes every form of core's ToolSelector, as when() reads it.
import type { ToolSelector } from '@mcp-middleware/core';
import { createTestContext, stubHandler } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { cache } from './cache.js';

const lookup = { name: 'lookup_web', annotations: { openWorldHint: true } };

/** Whether a repeat of a call of `lookup` was answered from the cache. */
async function cached(cacheable: ToolSelector): Promise<boolean> {
  const middleware = cache({ cacheable });
  const handler = stubHandler();
  for (let i = 0; i < 2; i++)
    await middleware(createTestContext({ tool: lookup, args: { q: 'x' } }), handler);
  return handler.calls.length === 1;
}

describe('cache() cacheable', () => {
  it.each<[string, ToolSelector, boolean]>([
    ['a glob', 'lookup_*', true],
    ['a negated glob', '!lookup_*', false],
    ['a list of globs', ['search', 'lookup_*'], true],
    ['a list with a negation', ['*', '!lookup_web'], false],
    ['annotations', { openWorldHint: true }, true],
    ['annotations the tool lacks', { readOnlyHint: true }, false],
    ['a predicate', (tool) => tool.name === 'lookup_web', true],
  ])('takes %s', async (_form, cacheable, expected) => {
    expect(await cached(cacheable)).toBe(expected);
  });
});
