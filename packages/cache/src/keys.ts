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
 * False for text with a lone surrogate. Such text is not injective once encoded as UTF-8 (hashing, Redis):
 * `\ud800`, `\udc00` and `\ufffd` all become the bytes of U+FFFD. Parts escape it through JSON, which
 * writes lone surrogates as `\uXXXX` text.
 */
const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * The tool part: the name as is (MCP names are short and plain), JSON-quoted when it holds a quote, a
 * control character or a lone surrogate, hashed when very long. Each form starts differently, so no two
 * names share a part; every part is well-formed, so none share one in UTF-8 either.
 */
export function toolPart(name: string): string {
  const part =
    hasControlOr(name, QUOTE) || name.startsWith('#') || !isWellFormed(name) ? JSON.stringify(name) : name;
  return part.length > MAX_INLINE_NAME_CHARS ? `#${digest(part)}` : part;
}

// No tool part starts with a control character (names holding one are JSON-quoted), so this prefix keeps
// every resource apart from every tool.
const RESOURCE_TAG = '\u0001';

/** The first part of a cached `resources/read`: the URI encoded as a tool name is, behind a tag of its own. */
export function resourcePart(uri: string): string {
  return RESOURCE_TAG + toolPart(uri);
}

/**
 * The longest key the middleware builds: tool or tagged resource (129) + partition (130) + args (128) + two
 * separators.
 */
export const MAX_KEY_CHARS =
  1 + MAX_INLINE_NAME_CHARS + 2 + MAX_INLINE_NAME_CHARS + MAX_INLINE_ARGS_CHARS + 2;

/**
 * The partition of a principal id (as `principalIdOf` gives it, injective in source and id): `p:<id>` for
 * short well-formed ids, else `h:` and the SHA-256 of the id's JSON (long ids, ids holding the separator,
 * ids with a lone surrogate), so no part holds the separator raw and distinct ids never hash alike. Runs on
 * every call: two native scans.
 */
export function principalPart(id: string): string {
  return id.length > MAX_INLINE_NAME_CHARS || id.includes(SEPARATOR) || !isWellFormed(id)
    ? `h:${digest(JSON.stringify(id))}`
    : `p:${id}`;
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

/**
 * Builds the filter for `invalidate({ tool, principal, resource })`; all undefined selects everything.
 * `resource` (a URI) takes the place of `tool`.
 */
export function keyFilter(
  tool: string | undefined,
  principal: string | undefined,
  resource?: string,
): KeyFilter {
  const toolEncoded =
    resource !== undefined ? resourcePart(resource) : tool === undefined ? undefined : toolPart(tool);
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

/** The encoded tool part of a key the middleware built. */
export function toolOf(key: string): string {
  return key.slice(0, key.indexOf(SEPARATOR));
}

/** The partition part of a key the middleware built (between its first and last separator). */
export function partitionOf(key: string): string {
  return key.slice(key.indexOf(SEPARATOR) + 1, key.lastIndexOf(SEPARATOR));
}

/** The generation of every partition at once (`invalidateOnWrite: 'all'`); no partition is named so. */
export const ALL_PARTITIONS = '*';

/** True for a key with the three parts of an entry (a store may keep other keys beside, e.g. generations). */
export function isEntryKey(key: string): boolean {
  const first = key.indexOf(SEPARATOR);
  return first >= 0 && key.lastIndexOf(SEPARATOR) > first;
}
