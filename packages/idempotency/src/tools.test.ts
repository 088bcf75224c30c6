// `tools` takes every form of core's ToolSelector, as when() reads it.
import type { ToolSelector } from '@mcp-middleware/core';
import { createTestContext, stubHandler } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { idempotency } from './idempotency.js';
import { IDEMPOTENCY_KEY_META } from './key.js';

const lookup = { name: 'lookup_web', annotations: { openWorldHint: true } };

/** Whether a repeat of a keyed call of `lookup` was answered without running the tool again. */
async function replayed(tools: ToolSelector): Promise<boolean> {
  const middleware = idempotency({ tools });
  const handler = stubHandler();
  const extra = { _meta: { [IDEMPOTENCY_KEY_META]: 'k-1' } };
  for (let i = 0; i < 2; i++) await middleware(createTestContext({ tool: lookup, extra }), handler);
  return handler.calls.length === 1;
}

describe('idempotency() tools', () => {
  it.each<[string, ToolSelector, boolean]>([
    ['a glob', 'lookup_*', true],
    ['a negated glob', '!lookup_*', false],
    ['a list of globs', ['search', 'lookup_*'], true],
    ['a list with a negation', ['*', '!lookup_web'], false],
    ['annotations', { openWorldHint: true }, true],
    ['annotations the tool lacks', { destructiveHint: true }, false],
    ['a predicate', (tool) => tool.name === 'lookup_web', true],
  ])('takes %s', async (_form, tools, expected) => {
    expect(await replayed(tools)).toBe(expected);
  });
});
