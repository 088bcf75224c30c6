import { describe, expect, it } from 'vitest';
import { ConfigError, type Principal } from '@mcp-middleware/core';
import { isNotFound } from '@mcp-middleware/core/helpers';
import { compileAccess, ListFilter } from './access.js';

const principal = (scopes: string[], roles: string[] = []): Principal => ({
  id: 'p',
  scopes,
  roles,
  claims: {},
});

const access = compileAccess(
  'auth',
  {
    tool: { 'admin_*': { scopes: ['admin'] }, deploy: { roles: ['ops', 'sre'] } },
    prompt: undefined,
    resource: { 'file:///secret/*': { scopes: ['secret'] } },
  },
  true,
);

describe('compileAccess', () => {
  it('says which kinds have a requirement map', () => {
    expect(access.has).toEqual({ tool: true, prompt: false, resource: true });
  });

  it('matches resource globs across slashes', () => {
    expect(access.visible('resource', 'file:///secret/a/b.txt', principal([]))).toBe(false);
    expect(access.visible('resource', 'file:///public/a.txt', principal([]))).toBe(true);
  });

  it('denies with a FORBIDDEN marked as not found, naming the kind', () => {
    const denial = access.denial('resource', 'file:///secret/x', principal([]));
    expect([denial?.code, isNotFound(denial), denial?.message]).toEqual([
      'FORBIDDEN',
      true,
      'resource `file:///secret/x` requires the scope `secret`, which the caller lacks; ask for a token that grants them',
    ]);
  });

  it('denies visibly when hiding is off', () => {
    const visible = compileAccess(
      'auth',
      { tool: { a: { scopes: ['s'] } }, prompt: undefined, resource: undefined },
      false,
    );
    expect(isNotFound(visible.denial('tool', 'a', principal([])))).toBe(false);
  });

  it('admits a role requirement with any one of its roles', () => {
    expect(access.denial('tool', 'deploy', principal([], ['sre']))).toBeUndefined();
    expect(access.visible('tool', 'deploy', principal([], ['dev']))).toBe(false);
  });

  it('names the prompts map in a bad entry', () => {
    expect(() =>
      compileAccess('auth', { tool: undefined, prompt: { x: { scopes: [] } }, resource: undefined }, true),
    ).toThrow(ConfigError);
    expect(() =>
      compileAccess('auth', { tool: undefined, prompt: { x: {} }, resource: undefined }, true),
    ).toThrow('auth: prompts.x must name scopes, roles or both');
  });
});

describe('ListFilter', () => {
  const tools = [{ name: 'search' }, { name: 'admin_reset' }, { name: 'deploy' }, { name: 'read' }];

  it('leaves out what the caller may not use and keeps the order', () => {
    const list = new ListFilter(access, 'tool', 'tools', 'name');
    const result = list.filter({ tools, nextCursor: 'c' }, principal([], ['ops']));
    expect(result).toEqual({
      tools: [{ name: 'search' }, { name: 'deploy' }, { name: 'read' }],
      nextCursor: 'c',
    });
  });

  it('returns the result itself when nothing is hidden', () => {
    const list = new ListFilter(access, 'tool', 'tools', 'name');
    const result = { tools };
    expect(list.filter(result, principal(['admin'], ['ops']))).toBe(result);
  });

  it('answers each scope set by its own rule when the same list is asked again', () => {
    const list = new ListFilter(access, 'tool', 'tools', 'name');
    const names = (p: Principal): string[] => list.filter({ tools }, p).tools.map((t) => t.name);
    expect([names(principal([])), names(principal(['admin'])), names(principal([]))]).toEqual([
      ['search', 'read'],
      ['search', 'admin_reset', 'read'],
      ['search', 'read'],
    ]);
  });

  it('recomputes when the list changes under the same scope set', () => {
    const list = new ListFilter(access, 'tool', 'tools', 'name');
    list.filter({ tools }, principal([]));
    const changed = [{ name: 'search' }, { name: 'admin_new' }, { name: 'deploy' }, { name: 'other' }];
    expect(list.filter({ tools: changed }, principal([], ['ops'])).tools).toEqual([
      { name: 'search' },
      { name: 'deploy' },
      { name: 'other' },
    ]);
    expect(list.filter({ tools: [{ name: 'admin_x' }] }, principal([])).tools).toEqual([]);
  });

  it('leaves out an item without a string key (fail closed)', () => {
    const list = new ListFilter(access, 'tool', 'tools', 'name');
    expect(list.filter({ tools: [{ name: 1 }, null, { name: 'a' }] }, principal([])).tools).toEqual([
      { name: 'a' },
    ]);
  });

  it('leaves a result without the list field as it is', () => {
    const list = new ListFilter(access, 'tool', 'tools', 'name');
    const odd = { other: [] };
    expect(list.filter(odd, principal([]))).toBe(odd);
  });
});
