/** Per-call state that several packages share without importing each other. */
import { createKey } from './contract.js';

/**
 * Where a principal's id comes from. Ids are only unique within their source: a JWT subject `x`, an API
 * key named `x` and an OAuth client `x` are three different callers. Built-in sources: `jwt` (a verified
 * JWT's `sub`), `api-key` (an API key's configured id), `oauth-subject` (the `sub` an HTTP layer put in
 * `authInfo.extra`), `oauth-client` (an `authInfo.clientId` without a subject) and `custom` (anything
 * else, including a principal without a `source`).
 */
export type PrincipalSource = 'jwt' | 'api-key' | 'oauth-subject' | 'oauth-client' | 'custom';

/** Who is calling: set by `auth()`, read by limits, caches and logs. Never holds the raw token. */
export interface Principal {
  /** Stable identity within its `source` (a JWT `sub`, an API key's name). Never a metric label. */
  readonly id: string;
  /**
   * The namespace of `id`. State is keyed by (source, id) through {@link principalIdOf}, never by `id`
   * alone. A string of your own is allowed for custom resolvers.
   * @default 'custom'
   */
  readonly source?: PrincipalSource | (string & {}) | undefined;
  /** The OAuth client acting for the principal, when known. */
  readonly clientId?: string | undefined;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  /** Verified claims (JWT) or attributes; never the token itself. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** The authenticated principal of a call. */
export const principalKey = createKey<Principal>('principal');

/** The minimal view of an OpenTelemetry span that logs need for correlation. */
export interface SpanRef {
  spanContext(): { readonly traceId: string; readonly spanId: string };
}

/** The call's tracing span, set by `tracing()`. */
export const spanKey = createKey<SpanRef>('span');

const COLON = 0x3a;
const PERCENT = 0x25;

function needsEscape(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    const code = source.charCodeAt(i);
    if (code === COLON || code === PERCENT) return true;
  }
  return false;
}

/**
 * The identity key of (source, id): `<source>:<id>`, where the source has `%` and `:` percent-escaped
 * (built-in sources hold neither, so they cost one concatenation). The first `:` ends the source, so two
 * different pairs never give one key: `jwt:client:x` is the JWT subject `client:x`, `oauth-client:x` the
 * OAuth client `x`. The id is kept as is (it may be ill-formed UTF-16); stores that hash or send keys
 * escape it themselves.
 */
export function principalKeyOf(source: string, id: string): string {
  const tag = needsEscape(source) ? source.replaceAll('%', '%25').replaceAll(':', '%3A') : source;
  return `${tag}:${id}`;
}

/** The identity key of a principal: {@link principalKeyOf} of its source (default `custom`) and id. */
export function keyOfPrincipal(principal: Pick<Principal, 'id' | 'source'>): string {
  const source = principal.source;
  return principalKeyOf(typeof source === 'string' ? source : 'custom', principal.id);
}

/**
 * Who is calling, as a key for state (limits, caches, logs), injective in (source, id): the principal's
 * {@link keyOfPrincipal}, else `oauth-client:<clientId>` from `authInfo` (the same key `fromAuthInfo()`
 * gives that client), else undefined (anonymous).
 */
export function principalIdOf(ctx: {
  get: (key: typeof principalKey) => Principal | undefined;
  readonly authInfo: { readonly clientId: string } | undefined;
}): string | undefined {
  const principal = ctx.get(principalKey);
  if (principal !== undefined) return keyOfPrincipal(principal);
  return ctx.authInfo === undefined ? undefined : `oauth-client:${ctx.authInfo.clientId}`;
}
