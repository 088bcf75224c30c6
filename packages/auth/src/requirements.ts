/** Authorization per tool, prompt and resource: which scopes and roles each needs, compiled once, checked per call. */
import { ConfigError, readOptions, type Principal } from '@mcp-middleware/core';
import { describeValue, toolMatcher } from '@mcp-middleware/core/helpers';

/** What calling a tool takes. */
export interface ToolRequirement {
  /** Every one of these scopes must be granted. */
  readonly scopes?: readonly string[] | undefined;
  /** At least one of these roles must be held. */
  readonly roles?: readonly string[] | undefined;
}

/** Requirements by tool-name glob (`*`, `?`, a leading `!` negates). Every matching entry applies. */
export type ToolRequirements = Readonly<Record<string, ToolRequirement>>;

/** Requirements by prompt-name glob; the same rules as {@link ToolRequirements}. */
export type PromptRequirements = Readonly<Record<string, ToolRequirement>>;

/**
 * Requirements by resource-URI glob (`*` matches any run, `/` included: `file:///docs/*`). A template in
 * `resources/templates/list` is matched by its `uriTemplate`, a read by the URI it names.
 */
export type ResourceRequirements = Readonly<Record<string, ToolRequirement>>;

/** The merged requirement of one tool. */
export interface Requirement {
  readonly scopes: readonly string[];
  /** Each group is satisfied by any one of its roles; all groups must be satisfied. */
  readonly roleGroups: readonly (readonly string[])[];
}

/** What a principal lacks for a requirement. */
export interface Shortfall {
  readonly missingScopes: readonly string[];
  readonly missingRoleGroups: readonly (readonly string[])[];
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function tokenList(factory: string, path: string, value: unknown, what: string): readonly string[] {
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => typeof v === 'string' && SCOPE_TOKEN.test(v));
  if (!ok) {
    throw new ConfigError(
      path,
      `${factory}: ${path} must be a non-empty list of ${what} (no spaces or quotes), got ${describeValue(value)}`,
    );
  }
  return Object.freeze([...(value as string[])]);
}

/**
 * Compiles `tools` (or a `prompts` or `resources` map: `noun` names what its globs match) into a lookup by
 * name: undefined when nothing applies. Throws a `ConfigError` naming the bad entry.
 */
export function compileRequirements(
  factory: string,
  tools: unknown,
  path = 'tools',
  noun = 'tool',
): (toolName: string) => Requirement | undefined {
  if (tools === undefined) return () => undefined;
  if (typeof tools !== 'object' || tools === null || Array.isArray(tools)) {
    throw new ConfigError(
      path,
      `${factory}: ${path} must be an object of ${noun} globs, got ${describeValue(tools)}`,
    );
  }
  const entries = Object.entries(tools as Record<string, unknown>).map(([glob, value]) => {
    if (glob === '' || glob === '!') throw new ConfigError(path, `${factory}: ${path} has an empty glob`);
    const entryPath = `${path}.${glob}`;
    const reader = readOptions(factory, value, ['scopes', 'roles'], `${entryPath}.`);
    if (!reader.has('scopes') && !reader.has('roles')) {
      throw new ConfigError(entryPath, `${factory}: ${entryPath} must name scopes, roles or both`);
    }
    return {
      matches: toolMatcher(glob),
      scopes: reader.has('scopes')
        ? tokenList(factory, `${entryPath}.scopes`, reader.raw('scopes'), 'scopes')
        : [],
      roles: reader.has('roles')
        ? tokenList(factory, `${entryPath}.roles`, reader.raw('roles'), 'roles')
        : undefined,
    };
  });
  return (toolName) => {
    const tool = { name: toolName };
    const scopes = new Set<string>();
    const roleGroups: (readonly string[])[] = [];
    for (const entry of entries) {
      if (!entry.matches(tool)) continue;
      for (const scope of entry.scopes) scopes.add(scope);
      if (entry.roles !== undefined) roleGroups.push(entry.roles);
    }
    if (scopes.size === 0 && roleGroups.length === 0) return undefined;
    return Object.freeze({ scopes: Object.freeze([...scopes]), roleGroups: Object.freeze(roleGroups) });
  };
}

/** True when `principal` has everything `requirement` asks for (never allocates: lists check every item). */
export function satisfies(requirement: Requirement, principal: Pick<Principal, 'scopes' | 'roles'>): boolean {
  const { scopes, roleGroups } = requirement;
  for (let i = 0; i < scopes.length; i++) if (!principal.scopes.includes(scopes[i] as string)) return false;
  for (let i = 0; i < roleGroups.length; i++) {
    const group = roleGroups[i] as readonly string[];
    let held = false;
    for (let j = 0; j < group.length && !held; j++) held = principal.roles.includes(group[j] as string);
    if (!held) return false;
  }
  return true;
}

/** What `principal` lacks for `requirement`, or undefined when it has everything (no allocation then). */
export function shortfallOf(
  requirement: Requirement,
  principal: Pick<Principal, 'scopes' | 'roles'>,
): Shortfall | undefined {
  const { scopes, roleGroups } = requirement;
  let lacking = false;
  for (let i = 0; i < scopes.length && !lacking; i++)
    lacking = !principal.scopes.includes(scopes[i] as string);
  for (let i = 0; i < roleGroups.length && !lacking; i++) {
    lacking = !(roleGroups[i] as readonly string[]).some((role) => principal.roles.includes(role));
  }
  if (!lacking) return undefined;
  return {
    missingScopes: scopes.filter((scope) => !principal.scopes.includes(scope)),
    missingRoleGroups: roleGroups.filter((group) => !group.some((role) => principal.roles.includes(role))),
  };
}

const list = (items: readonly string[]): string => items.map((item) => `\`${item}\``).join(', ');

/** A model-readable sentence for a shortfall on `toolName` (a `noun` such as `prompt` or `resource`). */
export function describeShortfall(toolName: string, shortfall: Shortfall, noun = 'tool'): string {
  const parts: string[] = [];
  if (shortfall.missingScopes.length > 0) {
    const noun = shortfall.missingScopes.length === 1 ? 'scope' : 'scopes';
    parts.push(`the ${noun} ${list(shortfall.missingScopes)}`);
  }
  for (const group of shortfall.missingRoleGroups) {
    parts.push(group.length === 1 ? `the role ${list(group)}` : `one of the roles ${list(group)}`);
  }
  return `${noun} \`${toolName}\` requires ${parts.join(' and ')}, which the caller lacks; ask for a token that grants them`;
}

/**
 * `lookup` with its answers remembered per name. Names may come from callers (a read of any URI), so the
 * memo is bounded: it starts over past `max` names.
 */
export function memoized(
  lookup: (name: string) => Requirement | undefined,
  max = 10_000,
): (name: string) => Requirement | null {
  const memo = new Map<string, Requirement | null>();
  return (name) => {
    let found = memo.get(name);
    if (found === undefined) {
      found = lookup(name) ?? null;
      if (memo.size >= max) memo.clear();
      memo.set(name, found);
    }
    return found;
  };
}
