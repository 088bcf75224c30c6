// `idempotent` takes every form of core's ToolSelector (and true or false); `isIdempotent` is its old name.
import { ConfigError, type ToolInfo } from '@mcp-middleware/core';
import { createTestContext, manualClock, stubHandler, textResult } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import type { RetryOptions } from './options.js';
import { retry } from './retry.js';

const lookup: Partial<ToolInfo> = { name: 'lookup_web', annotations: { openWorldHint: true } };

/** How many times the handler ran for one call that fails once with a transient error. */
async function attempts(options: RetryOptions, tool: Partial<ToolInfo> = lookup): Promise<number> {
  const clock = manualClock();
  const ctx = createTestContext({ clock, tool });
  const handler = stubHandler((_ctx, call) => {
    if (call === 1) throw new Error('connection reset');
    return textResult('ok');
  });
  const settled = retry({ backoff: () => 10, ...options })(ctx, handler).catch(() => undefined);
  while (handler.calls.length < 2 && (await clock.runNext()));
  await settled;
  return handler.calls.length;
}

describe('retry() idempotent', () => {
  it.each<[string, RetryOptions['idempotent'], number]>([
    ['a glob', 'lookup_*', 2],
    ['a negated glob', '!lookup_*', 1],
    ['a list of globs', ['search', 'lookup_*'], 2],
    ['a list with a negation', ['*', '!lookup_web'], 1],
    ['annotations', { openWorldHint: true }, 2],
    ['annotations the tool lacks', { idempotentHint: true }, 1],
    ['a predicate', (tool) => tool.name === 'lookup_web', 2],
    ['true', true, 2],
    ['false', false, 1],
  ])('takes %s', async (_form, idempotent, expected) => {
    expect(await attempts({ idempotent })).toBe(expected);
  });

  it('keeps a read-only tool from retrying with idempotent: false', async () => {
    expect(
      await attempts({ idempotent: false }, { name: 'search', annotations: { readOnlyHint: true } }),
    ).toBe(1);
  });

  it('still reads the deprecated isIdempotent predicate', async () => {
    expect(await attempts({ isIdempotent: (tool) => tool.name === 'lookup_web' })).toBe(2);
  });

  it('refuses idempotent and isIdempotent set together', () => {
    const build = () => retry({ idempotent: true, isIdempotent: () => true });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(expect.objectContaining({ path: 'isIdempotent' }));
  });

  it('refuses a value that is no selector with a ConfigError naming idempotent', () => {
    const build = () => retry({ idempotent: 42 as unknown as string });
    expect(build).toThrow(expect.objectContaining({ path: 'idempotent' }));
  });
});
