/** Which protocol revision a request speaks, read from what the client sent. */
import type { RequestContext } from './contract.js';

/** The `_meta` key a 2026-07-28 request names its revision under (the per-request envelope). */
export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
/** The first revision of the stateless era: per-request `_meta` envelope, `resultType`, cacheable results. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/**
 * The revision a request declares in its `_meta` envelope (2026-07-28 and later), or undefined for a
 * request of a 2025-era session, which declares it once at `initialize`.
 */
export function protocolVersionOf(ctx: Pick<RequestContext, 'meta'>): string | undefined {
  const version = ctx.meta?.[PROTOCOL_VERSION_META_KEY];
  return typeof version === 'string' ? version : undefined;
}

/** True for a request of the stateless era (2026-07-28 or later): its results carry `resultType`, lists `cacheScope`. */
export function isModernRequest(ctx: Pick<RequestContext, 'meta'>): boolean {
  const version = protocolVersionOf(ctx);
  // Revisions are ISO dates: they order as strings.
  return version !== undefined && version >= MODERN_PROTOCOL_VERSION;
}
