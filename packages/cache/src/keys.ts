/** Cache key layout: `tool ␟ partition ␟ args`, injective, bounded in size, readable by tool. */
import { hash } from 'node:crypto';

/** Separates the three parts of a key (U+001F, which JSON text and hashed parts never contain raw). */
export const SEPARATOR = '\u001f';

/** Canonical args longer than this are replaced by their SHA-256 in the key. */
export const MAX_INLINE_ARGS_CHARS = 128;
const MAX_INLINE_NAME_CHARS = 128;

// A loop rather than a regular expression: no control characters in source, and faster on short ids.
function hasControlOr(text: string, also: number): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === also) return true;
  }
  return false;
}
const QUOTE = 0x22;

/** The partition of results shared by every caller (`scope: 'shared'`). */
export const SHARED_PARTITION = 'shared';
/** The partition of calls without a principal; it never mixes with an authenticated one. */
export const ANONYMOUS_PARTITION = 'anon';

function digest(text: string): string {
  return hash('sha256', text, 'base64url');
}

/**
 * The tool part: the name as is (MCP names are short and plain), JSON-quoted when it holds a quote or a
 * control character, hashed when very long. Each form starts differently, so no two names share a part.
 */
export function toolPart(name: string): string {
  const part = hasControlOr(name, QUOTE) || name.startsWith('#') ? JSON.stringify(name) : name;
  return part.length > MAX_INLINE_NAME_CHARS ? `#${digest(name)}` : part;
}

/** The longest key the middleware builds: tool (128) + partition (130) + args (128) + two separators. */
export const MAX_KEY_CHARS = MAX_INLINE_NAME_CHARS + 2 + MAX_INLINE_NAME_CHARS + MAX_INLINE_ARGS_CHARS + 2;

/**
 * The partition of a principal id: `p:<id>` for short ids, `h:<sha256>` for long ones and for ids holding
 * the separator (so no part of a key ever holds it raw). Runs on every call: one native scan at most.
 */
export function principalPart(id: string): string {
  return id.length > MAX_INLINE_NAME_CHARS || id.includes(SEPARATOR) ? `h:${digest(id)}` : `p:${id}`;
}

/** The args part: canonical JSON up to 128 characters, else `#` and its SHA-256 (JSON never starts with `#`). */
export function argsPart(canonical: string): string {
  return canonical.length > MAX_INLINE_ARGS_CHARS ? `#${digest(canonical)}` : canonical;
}

/** Which entries an invalidation removes; stores that keep their own keys use `matches`. */
export interface KeyFilter {
  /** The encoded tool part to match, or undefined for every tool. */
  readonly tool: string | undefined;
  /** The encoded partition to match, or undefined for every partition. */
  readonly partition: string | undefined;
  /** True when `key` (as the middleware built it, without a store prefix) is selected. */
  matches(key: string): boolean;
}

/** Builds the filter for `invalidate({ tool, principal })`; both undefined selects everything. */
export function keyFilter(tool: string | undefined, principal: string | undefined): KeyFilter {
  const toolEncoded = tool === undefined ? undefined : toolPart(tool);
  const partition = principal === undefined ? undefined : principalPart(principal);
  return {
    tool: toolEncoded,
    partition,
    matches(key) {
      // No part holds a raw separator (JSON escapes it; names and ids holding it are quoted or hashed).
      const first = key.indexOf(SEPARATOR);
      const last = key.lastIndexOf(SEPARATOR);
      if (first < 0 || last <= first) return false;
      return (
        (toolEncoded === undefined || key.slice(0, first) === toolEncoded) &&
        (partition === undefined || key.slice(first + 1, last) === partition)
      );
    },
  };
}
