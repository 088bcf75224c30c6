/** The breaker key of a resource read or prompt get: bounded, whatever the caller asks for. Pure. */
import type { RequestContext } from '@mcp-middleware/core';

const MAX_KEY_PART = 128;
// The scheme (RFC 3986), the one part of a URI a resource template never leaves to the caller.
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]{0,63}):/;

const cut = (text: string): string => (text.length > MAX_KEY_PART ? text.slice(0, MAX_KEY_PART) : text);

/**
 * The breaker a read or get uses. A resource read is keyed by the URI's scheme (`resources/read notes:`):
 * a resource template such as `notes://{id}` lets the caller choose everything after it, authority
 * included, and the reads of one scheme usually share one dependency. A prompt get is keyed by the
 * prompt's name (cut to 128 characters). Either way the number of breakers is also capped by
 * `maxBreakers`, the least recently used closed one evicted first.
 */
export function requestKey(ctx: Pick<RequestContext, 'operation' | 'target'>): string {
  const target = ctx.target ?? '';
  if (ctx.operation !== 'resources/read') return `${ctx.operation} ${cut(target)}`;
  const scheme = SCHEME.exec(target);
  return scheme === null ? 'resources/read ?' : `resources/read ${(scheme[1] as string).toLowerCase()}:`;
}
