/** keyBy: which calls share a limit. Compiled once into one function from a context to a key. */
import {
  ConfigError,
  describeValue,
  didYouMean,
  principalIdOf,
  principalKey,
  type ToolContext,
} from '@mcp-middleware/core';

/**
 * A built-in key part. `principal`: the principal from auth, else the OAuth client id, else one shared
 * anonymous bucket. `client`: the OAuth client id, else anonymous. `session`: the transport session
 * (stateful Streamable HTTP only; spec 2026-07-28 drops sessions, prefer `principal`). `tool`: the
 * tool name. `global`: one key for every call.
 */
export type KeyPart = 'principal' | 'tool' | 'client' | 'session' | 'global';

/** A custom key part: any string derived from the call (never raw secrets: keys live in the store). */
export type KeyFunction = (ctx: ToolContext) => string;

/** One part, or several combined (each combination of values gets its own limit). */
export type KeyBy = KeyPart | KeyFunction | readonly (KeyPart | KeyFunction)[];

const PARTS: readonly KeyPart[] = ['principal', 'tool', 'client', 'session', 'global'];

// Every part is tagged and length-prefixed, so different parts and values can never run together
// into the same key (principal "a:b" + tool "c" differs from principal "a" + tool "b:c").
const tagged = (tag: string, value: string): string => tag + value.length + ':' + value;

const principalPart = (ctx: ToolContext): string => {
  const id = principalIdOf(ctx);
  return id === undefined ? 'a' : tagged('p', id);
};
const clientPart = (ctx: ToolContext): string => {
  const id = ctx.authInfo?.clientId ?? ctx.get(principalKey)?.clientId;
  return id === undefined ? 'a' : tagged('c', id);
};
const sessionPart = (ctx: ToolContext): string => {
  const id = ctx.sessionId;
  return id === undefined ? 'n' : tagged('s', id);
};
const toolPart = (ctx: ToolContext): string => tagged('t', ctx.tool.name);
const globalPart = (): string => 'g';

function customPart(fn: KeyFunction): (ctx: ToolContext) => string {
  return (ctx) => {
    const value: unknown = fn(ctx);
    if (typeof value !== 'string') {
      throw new TypeError(`keyBy function returned ${describeValue(value)}; it must return a string`);
    }
    return tagged('f', value);
  };
}

function partOf(factory: string, part: unknown, path: string): (ctx: ToolContext) => string {
  if (typeof part === 'function') return customPart(part as KeyFunction);
  switch (part as KeyPart) {
    case 'principal':
      return principalPart;
    case 'tool':
      return toolPart;
    case 'client':
      return clientPart;
    case 'session':
      return sessionPart;
    case 'global':
      return globalPart;
    default: {
      const guess = typeof part === 'string' ? didYouMean(part, PARTS) : undefined;
      throw new ConfigError(
        path,
        `${factory}: ${path} must be one of ${PARTS.map((p) => `"${p}"`).join(', ')} or a function, got ` +
          `${typeof part === 'string' ? `"${part}"` : describeValue(part)}${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`,
      );
    }
  }
}

/** The default key: principal and tool. */
export const DEFAULT_KEY_BY: readonly KeyPart[] = ['principal', 'tool'];

/** Compiles `keyBy` into a key function; throws a ConfigError naming `factory` and the bad entry. */
export function compileKeyBy(factory: string, keyBy: unknown, path = 'keyBy'): (ctx: ToolContext) => string {
  if (!Array.isArray(keyBy)) return partOf(factory, keyBy, path);
  const list = keyBy as readonly unknown[];
  if (list.length === 0) {
    throw new ConfigError(
      path,
      `${factory}: ${path} must name at least one part; use "global" for one shared limit`,
    );
  }
  if (list.length > 1 && list.includes('global')) {
    throw new ConfigError(
      path,
      `${factory}: ${path} combines "global" with other parts; "global" stands alone`,
    );
  }
  const parts = list.map((part, i) => partOf(factory, part, `${path}[${i}]`));
  if (parts.length === 1) return parts[0] as (ctx: ToolContext) => string;
  if (parts.length === 2) {
    const [first, second] = parts as [(ctx: ToolContext) => string, (ctx: ToolContext) => string];
    if (first === principalPart && second === toolPart) {
      // The default, spelled out so the hot path makes no calls it does not need.
      return (ctx) => {
        const id = principalIdOf(ctx);
        return (id === undefined ? 'a' : tagged('p', id)) + tagged('t', ctx.tool.name);
      };
    }
    return (ctx) => first(ctx) + second(ctx);
  }
  return (ctx) => {
    let key = '';
    for (let i = 0; i < parts.length; i++) key += (parts[i] as (ctx: ToolContext) => string)(ctx);
    return key;
  };
}
