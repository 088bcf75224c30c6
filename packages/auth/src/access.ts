/**
 * Who may use which tool, prompt and resource: one rule for calls and for lists, so a caller never sees what
 * it may not use, and a hidden target answers as an unknown one.
 */
import { MiddlewareError, type Principal } from '@mcp-middleware/core';
import { asNotFound } from '@mcp-middleware/core/helpers';
import {
  compileRequirements,
  describeShortfall,
  memoized,
  satisfies,
  shortfallOf,
  type Requirement,
} from './requirements.js';

/** What a requirement map guards. */
export type Kind = 'tool' | 'prompt' | 'resource';

/** The requirement maps, compiled once; `has` says which kinds have one at all. */
export interface Access {
  readonly has: Readonly<Record<Kind, boolean>>;
  /** The requirement of one tool, prompt or resource URI (null when it only needs an authenticated caller). */
  requirementOf(kind: Kind, name: string): Requirement | null;
  /** The FORBIDDEN refusal of `name` for `principal`, or undefined when it may use it. */
  denial(kind: Kind, name: string, principal: Principal): MiddlewareError | undefined;
  /** True when `principal` may use `name`: the same rule as {@link denial}. */
  visible(kind: Kind, name: string, principal: Principal): boolean;
}

const PATHS: Readonly<Record<Kind, string>> = { tool: 'tools', prompt: 'prompts', resource: 'resources' };

/** The FORBIDDEN error for a shortfall, marked as not-found when `hide` (no existence leak). */
export function forbidden(
  kind: Kind,
  name: string,
  requirement: Requirement,
  principal: Principal,
  hide: boolean,
): MiddlewareError | undefined {
  const shortfall = shortfallOf(requirement, principal);
  if (shortfall === undefined) return undefined;
  const error = new MiddlewareError('FORBIDDEN', describeShortfall(name, shortfall, kind), {
    data: {
      reason: 'insufficient_scope',
      requiredScopes: requirement.scopes,
      missingScopes: shortfall.missingScopes,
      ...(shortfall.missingRoleGroups.length > 0 && { missingRoles: shortfall.missingRoleGroups }),
    },
    cause: new Error(`principal lacks permissions for ${kind} ${name}`),
  });
  return hide ? asNotFound(error) : error;
}

/** Compiles auth's `tools`, `prompts` and `resources` maps (ConfigError naming a bad entry). */
export function compileAccess(factory: string, maps: Readonly<Record<Kind, unknown>>, hide: boolean): Access {
  const lookups = {} as Record<Kind, (name: string) => Requirement | null>;
  const has = {} as Record<Kind, boolean>;
  for (const kind of ['tool', 'prompt', 'resource'] as const) {
    lookups[kind] = memoized(compileRequirements(factory, maps[kind], PATHS[kind], kind));
    has[kind] = maps[kind] !== undefined;
  }
  const requirementOf = (kind: Kind, name: string): Requirement | null => lookups[kind](name);
  return {
    has,
    requirementOf,
    denial(kind, name, principal) {
      const requirement = lookups[kind](name);
      return requirement === null ? undefined : forbidden(kind, name, requirement, principal, hide);
    },
    visible(kind, name, principal) {
      const requirement = lookups[kind](name);
      return requirement === null || satisfies(requirement, principal);
    },
  };
}

const MAX_SCOPE_SETS = 256;

/** The key of a principal's scope set: callers with the same scopes and roles see the same lists. */
function scopeSetOf(principal: Principal): string {
  return `${principal.scopes.join(' ')}\n${principal.roles.join(' ')}`;
}

/**
 * Filters one kind of list (`field` of the result, items named by `key`): leaves out what a caller may not
 * use, and an item whose key is not a string (fail closed). A server answers the same list again and again,
 * so the last list's keys are kept with, per scope set, which of them stay: a repeated list costs one
 * comparison per item. The keys come from the server, never from the caller.
 */
export class ListFilter {
  private keys: unknown[] = [];
  private readonly kept = new Map<string, Uint8Array>();

  constructor(
    private readonly access: Access,
    private readonly kind: Kind,
    private readonly field: string,
    private readonly key: 'name' | 'uri' | 'uriTemplate',
  ) {}

  /** `result` with the hidden items left out; the result itself when nothing is hidden. */
  filter<R extends object>(result: R, principal: Principal): R {
    const items = (result as Record<string, unknown>)[this.field];
    if (!Array.isArray(items)) return result;
    const keep = this.decisions(items, principal);
    let out: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      if (out !== undefined) {
        if (keep[i] === 1) out.push(items[i]);
      } else if (keep[i] !== 1) out = items.slice(0, i);
    }
    return out === undefined ? result : { ...result, [this.field]: out };
  }

  private decisions(items: readonly unknown[], principal: Principal): Uint8Array {
    const n = items.length;
    let names = this.keys;
    let changed = names.length !== n;
    if (changed) names = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const item: unknown = items[i];
      const name =
        typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[this.key] : undefined;
      if (!changed && names[i] !== name) {
        changed = true;
        names = names.slice();
      }
      if (changed) names[i] = name;
    }
    if (changed) {
      this.keys = names;
      this.kept.clear();
    }
    const scopeSet = scopeSetOf(principal);
    let keep = this.kept.get(scopeSet);
    if (keep === undefined) {
      keep = new Uint8Array(items.length);
      for (let i = 0; i < items.length; i++) {
        const name = this.keys[i];
        keep[i] = typeof name === 'string' && this.access.visible(this.kind, name, principal) ? 1 : 0;
      }
      if (this.kept.size >= MAX_SCOPE_SETS) this.kept.clear();
      this.kept.set(scopeSet, keep);
    }
    return keep;
  }
}
