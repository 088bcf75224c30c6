// `tools` takes every form of core's ToolSelector, as when() reads it.
import type { ToolSelector } from '@mcp-middleware/core';
import { createTestContext, stubHandler } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { approval } from './approval.js';

const lookup = { name: 'lookup_web', annotations: { openWorldHint: true } };

/** Whether a call of `lookup` was held for approval (here refused: `approve` says no). */
async function gated(tools: ToolSelector): Promise<boolean> {
  const handler = stubHandler();
  await approval({ tools, approve: () => false })(createTestContext({ tool: lookup }), handler).catch(
    () => undefined,
  );
  return handler.calls.length === 0;
}

describe('approval() tools', () => {
  it.each<[string, ToolSelector, boolean]>([
    ['a glob', 'lookup_*', true],
    ['a negated glob', '!lookup_*', false],
    ['a list of globs', ['search', 'lookup_*'], true],
    ['a list with a negation', ['*', '!lookup_web'], false],
    ['annotations', { openWorldHint: true }, true],
    ['annotations the tool lacks', { destructiveHint: true }, false],
    ['a predicate', (tool) => tool.name === 'lookup_web', true],
  ])('takes %s', async (_form, tools, expected) => {
    expect(await gated(tools)).toBe(expected);
  });
});
