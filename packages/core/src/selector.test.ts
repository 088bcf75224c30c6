import { describe, expect, it } from 'vitest';
import { compose } from './compose.js';
import type { Middleware } from './contract.js';
import { globToRegExp, toolMatcher, when } from './selector.js';
import { createTestContext, stubHandler, textResult } from './testing/index.js';

const tool = (name: string, annotations = {}) => ({ name, annotations });

describe('toolMatcher', () => {
  it('matches name globs with * and ?', () => {
    expect(globToRegExp('db_*').test('db_query')).toBe(true);
    expect(globToRegExp('db_*').test('xdb_query')).toBe(false);
    expect(globToRegExp('get?').test('get1')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });

  it('agrees with the anchored regular expression of the glob on every short name and glob', () => {
    const alphabet = ['a', 'b', '*', '?'];
    const words = (n: number): string[] =>
      n === 0 ? [''] : words(n - 1).flatMap((w) => [w, ...alphabet.map((c) => w + c)]);
    const globs = [...new Set(words(4))];
    const names = [...new Set(words(4))].filter((w) => !/[*?]/.test(w));
    let compared = 0;
    for (const glob of globs) {
      const reference = new RegExp(`^${glob.replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      for (const name of names) {
        expect(globToRegExp(glob).test(name), `${glob} vs ${name}`).toBe(reference.test(name));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(5000);
  });

  it('matches a hostile glob against a long caller-chosen name without exponential backtracking', () => {
    // A regular expression ^.*a.*a.*a.*a.*a.*b$ on 20 000 a's would not finish in this test's lifetime.
    expect(globToRegExp('*a*a*a*a*a*b').test('a'.repeat(20_000))).toBe(false);
    expect(globToRegExp('*a*a*a*a*a*b').test(`${'a'.repeat(20_000)}b`)).toBe(true);
  });

  it('matches any glob of a list and honours negations', () => {
    const matches = toolMatcher(['db_*', '!db_drop']);
    expect(matches(tool('db_read'))).toBe(true);
    expect(matches(tool('db_drop'))).toBe(false);
    expect(matches(tool('search'))).toBe(false);
    expect(toolMatcher(['!admin_*'])(tool('search'))).toBe(true);
  });

  it('matches annotations', () => {
    const readOnly = toolMatcher({ readOnlyHint: true });
    expect(readOnly(tool('a', { readOnlyHint: true }))).toBe(true);
    expect(readOnly(tool('b', { readOnlyHint: false }))).toBe(false);
    expect(readOnly(tool('c'))).toBe(false);
  });

  it('uses a predicate as is', () => {
    expect(toolMatcher((t) => t.name.length > 3)(tool('long'))).toBe(true);
  });
});

describe('when', () => {
  const tag: Middleware = async (_ctx, next) => {
    const result = await next();
    return { ...result, content: [...result.content, { type: 'text', text: 'tagged' }] };
  };

  it('runs its middlewares only for selected tools', async () => {
    const pipeline = compose([when('db_*', tag)]);
    const selected = await pipeline(createTestContext({ tool: { name: 'db_read' } }), stubHandler());
    const other = await pipeline(createTestContext({ tool: { name: 'search' } }), stubHandler());
    expect(selected.content).toHaveLength(2);
    expect(other).toEqual(textResult('ok'));
  });

  it('re-evaluates a predicate on every call', async () => {
    let enabled = false;
    const pipeline = when(() => enabled, tag);
    const ctx = createTestContext();
    expect((await pipeline(ctx, stubHandler())).content).toHaveLength(1);
    enabled = true;
    expect((await pipeline(ctx, stubHandler())).content).toHaveLength(2);
  });
});
