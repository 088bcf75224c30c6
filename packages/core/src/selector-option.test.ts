import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { readToolSelector } from './selector-option.js';

const tool = (name: string, annotations = {}) => ({ name, annotations });

describe('readToolSelector', () => {
  it('uses the fallback selector when the option is not set', () => {
    const picks = readToolSelector('cache', 'cacheable', undefined, { readOnlyHint: true });
    expect(picks(tool('search', { readOnlyHint: true }))).toBe(true);
    expect(picks(tool('delete'))).toBe(false);
  });

  it.each([
    ['a glob', 'search_*', true],
    ['a negated glob', '!search_*', false],
    ['a list with a negation', ['*', '!search_admin'], true],
    ['annotations', { openWorldHint: true }, true],
    ['a predicate', (t: { name: string }) => t.name.endsWith('_web'), true],
  ])('reads %s as core reads it', (_form, selector, expected) => {
    const picks = readToolSelector('cache', 'cacheable', selector, {});
    expect(picks(tool('search_web', { openWorldHint: true }))).toBe(expected);
  });

  it.each([
    ['a number', 42],
    ['an empty list', []],
    ['a list holding a number', ['search', 42]],
    ['null', null],
  ])('rejects %s with a ConfigError naming the option', (_what, value) => {
    const read = () => readToolSelector('approval', 'tools', value, {});
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(expect.objectContaining({ path: 'tools' }));
    expect(read).toThrow(/^approval: tools must be a glob/);
  });
});
