/** keyBy: which calls share a limit. Compiled once into one function from a context to a key. */
import { createHash } from 'node:crypto';
import {
  ConfigError,
  didYouMean,
  principalKey,
  type Principal,
  type RequestContext,
  type ToolContext,
} from '@mcp-middleware/core';
import {
  callUserCallback,
  describeValue,
  isModernRequest,
  principalIdOf,
  principalKeyOf,
} from '@mcp-middleware/core/helpers';

/**
 * A built-in key part. `principal`: the principal from auth (by source and id, so a JWT subject and an
 * API key with the same id never share a limit), else the OAuth client id, else one shared anonymous
 * bucket. `client`: the principal's client in its source's namespace (an OAuth client for principals
 * from `authInfo`), else the OAuth client id of `authInfo`, else anonymous. `session`: the transport session
 * (stateful Streamable HTTP only; spec 2026-07-28 drops sessions, prefer `principal`). `tool`: the
 * tool name. `global`: one key for every call.
 */
export type KeyPart = 'principal' | 'tool' | 'client' | 'session' | 'global';

/**
 * A custom key part: any string derived from the call (never raw secrets: keys live in the store). On the
 * requests other than tool calls that `operations` adds it receives that request's context, where `tool`
 * and `args` are undefined (read `ctx.operation` and `ctx.target`). One
 * that throws or returns something else than a string does not fail the call: that call is keyed as if
 * this part were the default `['principal', 'tool']` (in a namespace of its own), with a `warning` event.
 */
export type KeyFunction = (ctx: ToolContext) => string;

/** One part, or several combined (each combination of values gets its own limit). */
export type KeyBy = KeyPart | KeyFunction | readonly (KeyPart | KeyFunction)[];

const PARTS: readonly KeyPart[] = ['principal', 'tool', 'client', 'session', 'global'];

const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

// Every part is tagged and length-prefixed, so different parts and values can never run together
// into the same key (principal "a:b" + tool "c" differs from principal "a" + tool "b:c"). A value with
// a lone surrogate is JSON-escaped under an upper-case tag: a shared store gets UTF-8, where `\ud800`
// and `\ufffd` would become the same bytes; every key this module builds is well-formed.
const tagged = (tag: string, value: string): string => {
  if (isWellFormed(value)) return tag + value.length + ':' + value;
  const escaped = JSON.stringify(value);
  return tag.toUpperCase() + escaped.length + ':' + escaped;
};

const principalPart = (ctx: ToolContext): string => {
  const id = principalIdOf(ctx);
  return id === undefined ? 'a' : tagged('p', id);
};

// The namespace a principal's client id lives in: principals from authInfo act for OAuth clients.
const clientKeyOf = (principal: Principal, clientId: string): string => {
  const source = principal.source;
  return principalKeyOf(source === 'subject' || source === 'client' ? 'client' : source, clientId);
};
const clientPart = (ctx: ToolContext): string => {
  const principal = ctx.get(principalKey);
  if (principal !== undefined) {
    const id = principal.clientId;
    return id === undefined ? 'a' : tagged('c', clientKeyOf(principal, id));
  }
  const id = ctx.authInfo?.clientId;
  return id === undefined ? 'a' : tagged('c', principalKeyOf('client', id));
};
// A 2026-07-28 request has no session (the revision is stateless): keyed by session, every caller would
// share one bucket. It is keyed by principal instead, and the first such request says so once.
function sessionPart(factory: string): (ctx: ToolContext) => string {
  let warned = false;
  return (ctx) => {
    const id = ctx.sessionId;
    if (id !== undefined) return tagged('s', id);
    if (!isModernRequest(ctx)) return 'n';
    if (!warned) {
      warned = true;
      ctx.emit({
        type: 'warning',
        source: factory,
        message: `keyBy "session" on a 2026-07-28 request, which has no session: keyed by principal instead; key by "principal" to say so`,
      });
    }
    return 'm' + principalPart(ctx);
  };
}
// A tool's part is the same on every call: made once per registered tool (core hands the same frozen
// ToolInfo to every call of a tool; an unknown tool's info is made per call and is not remembered).
const toolParts = new WeakMap<object, string>();
const toolPart = (ctx: ToolContext): string => {
  const tool = ctx.tool;
  let part = toolParts.get(tool);
  if (part === undefined) {
    part = tagged('t', tool.name);
    if (Object.isFrozen(tool)) toolParts.set(tool, part);
  }
  return part;
};

// A request's target (a resource URI, a prompt name) comes from the caller and may be of any length: past
// MAX_TARGET it is keyed by its SHA-256 under a tag of its own, so a key stays bounded and distinct.
const MAX_TARGET = 256;
const targetPart = (ctx: ToolContext): string => {
  const target = ctx.target ?? '';
  if (target.length <= MAX_TARGET) return tagged('t', target);
  return 'h' + createHash('sha256').update(JSON.stringify(target)).digest('hex');
};
const globalPart = (): string => 'g';
const defaultKey = (ctx: ToolContext): string => principalPart(ctx) + toolPart(ctx);

const NO_KEY: unknown = Symbol('no key');

function customPart(factory: string, fn: KeyFunction, requests: boolean): (ctx: ToolContext) => string {
  const fallback = requests ? (ctx: ToolContext): string => principalPart(ctx) + targetPart(ctx) : defaultKey;
  return (ctx) => {
    const value = callUserCallback<[ToolContext], unknown>(factory, 'keyBy function', fn, [ctx], NO_KEY, ctx);
    if (typeof value === 'string') return tagged('f', value);
    if (value !== NO_KEY) {
      ctx.emit({
        type: 'warning',
        source: factory,
        message: `keyBy function returned ${value === null ? 'null' : `a ${typeof value}`} instead of a string; the call was keyed by principal and tool`,
      });
    }
    return 'x' + fallback(ctx);
  };
}

function partOf(
  factory: string,
  part: unknown,
  path: string,
  requests: boolean,
): (ctx: ToolContext) => string {
  if (typeof part === 'function') return customPart(factory, part as KeyFunction, requests);
  switch (part as KeyPart) {
    case 'principal':
      return principalPart;
    case 'tool':
      return requests ? targetPart : toolPart;
    case 'client':
      return clientPart;
    case 'session':
      return sessionPart(factory);
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

/**
 * Compiles `keyBy` into a key function for tool calls; throws a ConfigError naming `factory` and the bad
 * entry.
 */
export function compileKeyBy(factory: string, keyBy: unknown, path = 'keyBy'): (ctx: ToolContext) => string {
  return compile(factory, keyBy, path, false);
}

/**
 * Compiles `keyBy` for requests other than tool calls: every key starts with the operation (a resource read
 * never shares a limit with a tool call or a prompt), and the `tool` part is the request's target.
 */
export function compileRequestKeyBy(factory: string, keyBy: unknown): (ctx: RequestContext) => string {
  const keyOf = compile(factory, keyBy, 'keyBy', true);
  return (ctx) => tagged('o', ctx.operation) + keyOf(ctx as ToolContext);
}

function compile(
  factory: string,
  keyBy: unknown,
  path: string,
  requests: boolean,
): (ctx: ToolContext) => string {
  if (!Array.isArray(keyBy)) return partOf(factory, keyBy, path, requests);
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
  const parts = list.map((part, i) => partOf(factory, part, `${path}[${i}]`, requests));
  if (parts.length === 1) return parts[0] as (ctx: ToolContext) => string;
  if (parts.length === 2) {
    const [first, second] = parts as [(ctx: ToolContext) => string, (ctx: ToolContext) => string];
    if (first === principalPart && second === toolPart) {
      // The default, spelled out so the hot path makes no calls it does not need.
      return defaultKey;
    }
    return (ctx) => first(ctx) + second(ctx);
  }
  return (ctx) => {
    let key = '';
    for (let i = 0; i < parts.length; i++) key += (parts[i] as (ctx: ToolContext) => string)(ctx);
    return key;
  };
}
