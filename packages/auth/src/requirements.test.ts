import { ConfigError } from '@mcp-middleware/core';
import { describe, expect, it } from 'vitest';
import { compileRequirements, describeShortfall, shortfallOf } from './requirements.js';

describe('compileRequirements', () => {
  it('returns nothing for a tool no glob matches', () => {
    const requirementOf = compileRequirements('auth', { 'admin_*': { scopes: ['admin'] } });
    expect(requirementOf('search')).toBeUndefined();
  });

  it('merges the scopes of every matching glob without duplicates', () => {
    const requirementOf = compileRequirements('auth', {
      '*': { scopes: ['tools'] },
      'admin_*': { scopes: ['admin', 'tools'] },
    });
    expect(requirementOf('admin_reset')?.scopes).toEqual(['tools', 'admin']);
  });

  it('keeps each entry’s roles as its own group', () => {
    const requirementOf = compileRequirements('auth', {
      'deploy_*': { roles: ['ops', 'sre'] },
      '*_prod': { roles: ['release-manager'] },
    });
    expect(requirementOf('deploy_prod')?.roleGroups).toEqual([['ops', 'sre'], ['release-manager']]);
  });

  it('honours negated globs', () => {
    const requirementOf = compileRequirements('auth', { '!public_*': { scopes: ['tools'] } });
    expect(requirementOf('public_info')).toBeUndefined();
    expect(requirementOf('search')?.scopes).toEqual(['tools']);
  });

  it('rejects an entry that names neither scopes nor roles', () => {
    expect(() => compileRequirements('auth', { 'admin_*': {} })).toThrow(ConfigError);
  });

  it('rejects a scope with a space, naming its path', () => {
    expect(() => compileRequirements('auth', { x: { scopes: ['a b'] } })).toThrow(/tools\.x\.scopes/);
  });

  it('rejects an unknown key in an entry with a suggestion', () => {
    expect(() => compileRequirements('auth', { x: { scope: ['a'] } })).toThrow(
      /did you mean tools\.x\.scopes/,
    );
  });

  it('rejects a tools value that is not an object', () => {
    expect(() => compileRequirements('auth', ['admin_*'])).toThrow(ConfigError);
  });
});

describe('shortfallOf', () => {
  const requirement = { scopes: ['read', 'write'], roleGroups: [['ops', 'sre']] };

  it('is undefined when every scope and one role of each group is held', () => {
    expect(shortfallOf(requirement, { scopes: ['write', 'read', 'x'], roles: ['sre'] })).toBeUndefined();
  });

  it('lists every missing scope at once', () => {
    expect(shortfallOf(requirement, { scopes: [], roles: ['ops'] })?.missingScopes).toEqual([
      'read',
      'write',
    ]);
  });

  it('lists the role groups none of whose roles are held', () => {
    expect(
      shortfallOf(requirement, { scopes: ['read', 'write'], roles: ['dev'] })?.missingRoleGroups,
    ).toEqual([['ops', 'sre']]);
  });
});

describe('describeShortfall', () => {
  it('names the tool, every missing scope and the roles that would do', () => {
    expect(
      describeShortfall('deploy', { missingScopes: ['read', 'write'], missingRoleGroups: [['ops', 'sre']] }),
    ).toBe(
      'tool `deploy` requires the scopes `read`, `write` and one of the roles `ops`, `sre`, which the caller lacks; ' +
        'ask for a token that grants them',
    );
  });
});
