import { ConfigError } from '@mcp-middleware/core';
import { describe, expect, it } from 'vitest';
import { compareSpecificity, parseToolKey, toolSelectorOf } from './tool-keys.js';

function refusal(key: string): ConfigError {
  try {
    parseToolKey(key);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(key)} to be refused`);
}

describe('reading a tools: key', () => {
  it('reads a name or a glob as the same string when() takes', () => {
    expect(toolSelectorOf('db_*')).toBe('db_*');
    expect(toolSelectorOf('search')).toBe('search');
  });

  it('keeps a single key as written, spaces included, so existing keys keep their meaning', () => {
    expect(toolSelectorOf(' search')).toBe(' search');
  });

  it('reads a leading ! as a negation, as when() does', () => {
    expect(toolSelectorOf('!admin_*')).toBe('!admin_*');
  });

  it('reads a comma-separated list as the list of globs when() takes, spaces around commas dropped', () => {
    expect(toolSelectorOf('db_*, !db_drop')).toEqual(['db_*', '!db_drop']);
    expect(toolSelectorOf('!a,!b')).toEqual(['!a', '!b']);
  });

  it('reads annotations in braces as the annotations object when() takes', () => {
    expect(toolSelectorOf('{ readOnlyHint: true, openWorldHint: false }')).toEqual({
      readOnlyHint: true,
      openWorldHint: false,
    });
  });

  it('reads quoted annotation names and a quoted title, commas inside quotes included', () => {
    expect(toolSelectorOf(`{ "destructiveHint": false, title: 'Drop, then create' }`)).toEqual({
      destructiveHint: false,
      title: 'Drop, then create',
    });
  });

  it('looks up a key made of exact names instead of testing it against every tool', () => {
    expect(parseToolKey('search, fetch').names).toEqual(['search', 'fetch']);
    expect(parseToolKey('search, db_*').names).toBeUndefined();
    expect(parseToolKey('!search').names).toBeUndefined();
  });
});

describe('a key that is not a selector', () => {
  const refused: [key: string, path: string, message: string][] = [
    ['', 'tools[""]', 'an empty name or glob; write a tool name or glob ("db_*"), a negation'],
    ['db_*,', 'tools["db_*,"]', 'an empty name or glob;'],
    ['!', 'tools["!"]', 'an empty name or glob after "!"'],
    ['!!admin_*', 'tools["!!admin_*"]', '"!!admin_*" negates twice; write the glob itself'],
    ['db_*, { readOnlyHint: true }', 'tools["db_*, { readOnlyHint: true }"]', 'give them a key of their own'],
    ['!{ readOnlyHint: true }', 'tools["!{ readOnlyHint: true }"]', 'neither negated nor listed with names'],
    ['{ readOnlyHint: true', 'tools["{ readOnlyHint: true"]', 'an annotation selector is closed by "}"'],
    ['{}', 'tools["{}"]', 'empty braces select every tool; write "*" for that'],
    [
      '{ readonlyHint: true }',
      'tools["{ readonlyHint: true }"]',
      'unknown annotation "readonlyHint" (did you mean readOnlyHint?)',
    ],
    [
      '{ readOnlyHint: yes }',
      'tools["{ readOnlyHint: yes }"]',
      'readOnlyHint takes true or false, got "yes"',
    ],
    ['{ title: true }', 'tools["{ title: true }"]', 'title takes a quoted string, got "true"'],
    [
      '{ readOnlyHint: true, readOnlyHint: false }',
      'tools["{ readOnlyHint: true, readOnlyHint: false }"]',
      'written twice',
    ],
    [
      '{ readOnlyHint true }',
      'tools["{ readOnlyHint true }"]',
      'cannot read "readOnlyHint true"; write annotations as',
    ],
  ];

  it.each(refused)('%j is a ConfigError at its path saying how to write it', (key, path, message) => {
    const error = refusal(key);
    expect(error.path).toBe(path);
    expect(error.message).toContain(message);
  });
});

describe('the precedence of tools: keys', () => {
  const sorted = (keys: string[]): string[] => [...keys].sort(compareSpecificity);

  it('keeps the existing order of names and globs: exact names, then fewer wildcards, then more literals', () => {
    expect(sorted(['db_admin_drop', 'db_*', '*', 'db_a*', '*_*'])).toEqual([
      '*_*',
      '*',
      'db_*',
      'db_a*',
      'db_admin_drop',
    ]);
  });

  it('applies a negation right after the glob it narrows, * for a key of negations only', () => {
    expect(sorted(['db_*, !db_drop', 'db_*', '!admin_*', '*', 'db_r*'])).toEqual([
      '*',
      '!admin_*',
      'db_*',
      'db_*, !db_drop',
      'db_r*',
    ]);
  });

  it('ranks a list as its widest glob, after that glob alone', () => {
    expect(sorted(['db_*, cache_*', 'cache_*', 'db_*'])).toEqual(['db_*, cache_*', 'db_*', 'cache_*']);
  });

  it('applies annotation selectors after every glob and before exact names, more annotations later', () => {
    expect(
      sorted([
        'search',
        '{ readOnlyHint: true, openWorldHint: false }',
        'db_read*',
        '{ readOnlyHint: true }',
      ]),
    ).toEqual([
      'db_read*',
      '{ readOnlyHint: true }',
      '{ readOnlyHint: true, openWorldHint: false }',
      'search',
    ]);
  });

  it('ranks a list of exact names with exact names, after a single one', () => {
    expect(sorted(['search', 'search, fetch', 'db_*'])).toEqual(['db_*', 'search, fetch', 'search']);
  });
});
