/**
 * The built-in parts of a `keyBy` key (see key-by.ts): each a function from a call to a tagged,
 * length-prefixed piece of the key, so different parts and values never run together into one key.
 */
import { createHash } from 'node:crypto';
import type { ToolContext } from './contract.js';
import { principalKey, principalIdOf, principalKeyOf, type Principal } from './keys.js';
import { isModernRequest } from './protocol.js';

/** One piece of a key, from the call. */
export type PartOf = (ctx: ToolContext) => string;

const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * `tag`, the value's length, `:`, the value: principal "a:b" + tool "c" differs from principal "a" + tool
 * "b:c". A value with a lone surrogate is JSON-escaped under an upper-case tag: a shared store gets UTF-8,
 * where `\ud800` and `\ufffd` would become the same bytes; every key built here is well-formed.
 */
export const tagged = (tag: string, value: string): string => {
  if (isWellFormed(value)) return tag + value.length + ':' + value;
  const escaped = JSON.stringify(value);
  return tag.toUpperCase() + escaped.length + ':' + escaped;
};

/** The principal's identity key, else the OAuth client's, else one shared anonymous part. */
export const principalPart: PartOf = (ctx) => {
  const id = principalIdOf(ctx);
  return id === undefined ? 'a' : tagged('p', id);
};

// The namespace a principal's client id lives in: principals from authInfo act for OAuth clients.
const clientKeyOf = (principal: Principal, clientId: string): string => {
  const source = principal.source;
  return principalKeyOf(source === 'subject' || source === 'client' ? 'client' : source, clientId);
};

/** The principal's client in its source's namespace, else the OAuth client of `authInfo`, else anonymous. */
export const clientPart: PartOf = (ctx) => {
  const principal = ctx.get(principalKey);
  if (principal !== undefined) {
    const id = principal.clientId;
    return id === undefined ? 'a' : tagged('c', clientKeyOf(principal, id));
  }
  const id = ctx.authInfo?.clientId;
  return id === undefined ? 'a' : tagged('c', principalKeyOf('client', id));
};

/**
 * The transport session. A 2026-07-28 request has no session (the revision is stateless): keyed by
 * session, every caller would share one bucket, so it is keyed by principal instead, and the first such
 * request says so once (one warning per compiled key, not per call).
 */
export function sessionPart(source: string): PartOf {
  let warned = false;
  return (ctx) => {
    const id = ctx.sessionId;
    if (id !== undefined) return tagged('s', id);
    if (!isModernRequest(ctx)) return 'n';
    if (!warned) {
      warned = true;
      ctx.emit({
        type: 'warning',
        source,
        message: `keyBy "session" on a 2026-07-28 request, which has no session: keyed by principal instead; key by "principal" to say so`,
      });
    }
    return 'm' + principalPart(ctx);
  };
}

// A tool's part is the same on every call: made once per registered tool (core hands the same frozen
// ToolInfo to every call of a tool; an unknown tool's info is made per call and is not remembered).
const toolParts = new WeakMap<object, string>();

/** The tool name. */
export const toolPart: PartOf = (ctx) => {
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

/** A request's target (the `tool` part of requests other than tool calls). */
export const targetPart: PartOf = (ctx) => {
  const target = ctx.target ?? '';
  if (target.length <= MAX_TARGET) return tagged('t', target);
  return 'h' + createHash('sha256').update(JSON.stringify(target)).digest('hex');
};

/** One key for every call. */
export const globalPart: PartOf = () => 'g';

/** The default key of a tool call: principal and tool. */
export const principalAndTool: PartOf = (ctx) => principalPart(ctx) + toolPart(ctx);
