/**
 * `keyBy`: which calls share a limit, a bulkhead or a breaker. One type and one compiler for every package
 * that keys state by call, so `'principal'` or `['principal', 'tool']` mean the same everywhere.
 */
import type { RequestContext, ToolContext } from './contract.js';
import { ConfigError } from './errors.js';
import {
  clientPart,
  globalPart,
  principalAndTool,
  principalPart,
  sessionPart,
  tagged,
  targetPart,
  toolPart,
  type PartOf,
} from './key-parts.js';
import { didYouMean } from './options.js';
import { describeValue } from './result.js';
import { absorbRejection, callUserCallback, isPromiseLike, publishWarning } from './user-callback.js';

/**
 * A built-in key part. `principal`: the principal from auth (by source and id, so a JWT subject and an
 * API key with the same id never share a key), else the OAuth client id, else one shared anonymous
 * key. `client`: the principal's client in its source's namespace (an OAuth client for principals
 * from `authInfo`), else the OAuth client id of `authInfo`, else anonymous. `session`: the transport
 * session (stateful Streamable HTTP only; spec 2026-07-28 drops sessions, prefer `principal`). `tool`: the
 * tool name. `global`: one key for every call.
 */
export type KeyPart = 'principal' | 'tool' | 'client' | 'session' | 'global';

/**
 * A custom key part: any string derived from the call (never raw secrets: keys may live in a store). On
 * requests other than tool calls it receives that request's context, where `tool` and `args` are
 * undefined (read `ctx.operation` and `ctx.target`). One that throws or answers something else than a
 * string does not fail the call: the call gets the package's fallback key, with a `warning` event.
 */
export type KeyFunction = (ctx: ToolContext) => string;

/** One part, or several combined (each combination of values gets its own key). */
export type KeyBy = KeyPart | KeyFunction | readonly (KeyPart | KeyFunction)[];

/** Every built-in part, in the order errors and docs list them. */
export const KEY_PARTS: readonly KeyPart[] = ['principal', 'tool', 'client', 'session', 'global'];

/** How {@link compileKeyBy} builds keys. */
export interface KeyByOptions {
  /** The option's name in errors. @default 'keyBy' */
  readonly path?: string | undefined;
  /**
   * For keys people read (a breaker's `states()` and events) rather than a store's: a lone `tool` is the
   * bare tool name, and a lone function's answer is the key as it is (the tool name when the function
   * fails). Every other key is tagged as for a store.
   * @default false: every part tagged and length-prefixed; a failing function keys by principal and tool
   */
  readonly readable?: boolean | undefined;
}

interface Form {
  readonly source: string;
  /** Requests other than tool calls: `tool` is the request's target. */
  readonly requests: boolean;
  /** Readable keys for a part that stands alone (see {@link KeyByOptions.readable}). */
  readonly readable: boolean;
}

const NO_KEY: unknown = Symbol('no key');
const toolName: PartOf = (ctx) => ctx.tool.name;

function answerOf(value: unknown): string {
  if (value === null) return 'null';
  return isPromiseLike(value) ? 'a promise' : `a ${typeof value}`;
}

// The user's function, guarded: a throw or an answer other than a string gets the fallback key.
function customPart(form: Form, fn: KeyFunction): PartOf {
  const { source, readable, requests } = form;
  const own = readable ? (value: string) => value : (value: string) => tagged('f', value);
  const fallback: PartOf = readable
    ? toolName
    : requests
      ? (ctx) => 'x' + principalPart(ctx) + targetPart(ctx)
      : (ctx) => 'x' + principalAndTool(ctx);
  const keyedBy = readable ? 'its tool' : 'principal and tool';
  return (ctx) => {
    const value = callUserCallback<[ToolContext], unknown>(source, 'keyBy function', fn, [ctx], NO_KEY, ctx);
    if (typeof value === 'string') return own(value);
    if (value !== NO_KEY) {
      absorbRejection(source, 'keyBy function', value, ctx);
      const message = `keyBy function returned ${answerOf(value)} instead of a string; the call was keyed by ${keyedBy}`;
      publishWarning(source, message, ctx);
    }
    return fallback(ctx);
  };
}

function badPart(form: Form, part: unknown, path: string): ConfigError {
  const guess = typeof part === 'string' ? didYouMean(part, KEY_PARTS) : undefined;
  return new ConfigError(
    path,
    `${form.source}: ${path} must be one of ${KEY_PARTS.map((p) => `"${p}"`).join(', ')} or a function, got ` +
      `${typeof part === 'string' ? `"${part}"` : describeValue(part)}${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`,
  );
}

function partOf(form: Form, part: unknown, path: string): PartOf {
  if (typeof part === 'function') return customPart(form, part as KeyFunction);
  switch (part as KeyPart) {
    case 'principal':
      return principalPart;
    case 'tool':
      return form.requests ? targetPart : form.readable ? toolName : toolPart;
    case 'client':
      return clientPart;
    case 'session':
      return sessionPart(form.source);
    case 'global':
      return globalPart;
    default:
      throw badPart(form, part, path);
  }
}

function checkList(source: string, list: readonly unknown[], path: string): void {
  if (list.length === 0) {
    throw new ConfigError(
      path,
      `${source}: ${path} must name at least one part; use "global" for one shared key`,
    );
  }
  if (list.length > 1 && list.includes('global')) {
    throw new ConfigError(
      path,
      `${source}: ${path} combines "global" with other parts; "global" stands alone`,
    );
  }
}

function compile(form: Form, keyBy: unknown, path: string): PartOf {
  if (!Array.isArray(keyBy)) return partOf(form, keyBy, path);
  const list = keyBy as readonly unknown[];
  checkList(form.source, list, path);
  if (list.length === 1) return partOf(form, list[0], `${path}[0]`);
  const tagging = { ...form, readable: false };
  const parts = list.map((part, i) => partOf(tagging, part, `${path}[${i}]`));
  if (parts.length === 2) {
    const [first, second] = parts as [PartOf, PartOf];
    // The usual key, spelled out so the hot path makes no calls it does not need.
    if (first === principalPart && second === toolPart) return principalAndTool;
    return (ctx) => first(ctx) + second(ctx);
  }
  return (ctx) => {
    let key = '';
    for (let i = 0; i < parts.length; i++) key += (parts[i] as PartOf)(ctx);
    return key;
  };
}

/**
 * Compiles `keyBy` once into the key of a tool call; throws a ConfigError naming `source` and the bad
 * entry (with a did-you-mean for a misspelt part).
 */
export function compileKeyBy(
  source: string,
  keyBy: unknown,
  options: KeyByOptions = {},
): (ctx: ToolContext) => string {
  const form = { source, requests: false, readable: options.readable === true };
  return compile(form, keyBy, options.path ?? 'keyBy');
}

/**
 * Compiles `keyBy` for requests other than tool calls: every key starts with the operation (a resource read
 * never shares a key with a tool call or a prompt), and the `tool` part is the request's target.
 */
export function compileRequestKeyBy(source: string, keyBy: unknown): (ctx: RequestContext) => string {
  const keyOf = compile({ source, requests: true, readable: false }, keyBy, 'keyBy');
  return (ctx) => tagged('o', ctx.operation) + keyOf(ctx as ToolContext);
}
