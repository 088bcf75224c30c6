/** Per-call state that several packages share without importing each other. */
import { createKey } from './contract.js';

/**
 * Where a principal's id comes from. Ids are only unique within their source: a JWT subject `x`, an API
 * key named `x` and an OAuth client `x` are three different callers. Built-in sources: `jwt` (a verified
 * JWT's `sub`), `api-key` (an API key's configured id), `subject` (the `sub` an HTTP layer put in
 * `authInfo.extra`) and `client` (an OAuth client, `authInfo.clientId`, acting without a subject).
 */
export type PrincipalSource = 'jwt' | 'api-key' | 'subject' | 'client';

/** Who is calling: set by `auth()`, read by limits, caches and logs. Never holds the raw token. */
export interface Principal {
  /** Stable identity within its `source` (a JWT `sub`, an API key's name). Never a metric label. */
  readonly id: string;
  /**
   * The namespace of `id`. State is keyed by (source, id) through {@link principalIdOf}, never by `id`
   * alone. Custom resolvers may name their own, or leave it out (their own namespace then).
   * @default undefined: a namespace of its own, apart from every named source
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

function needsEscape(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === COLON || code === PERCENT) return true;
  }
  return false;
}

const escape = (text: string): string =>
  needsEscape(text) ? text.replaceAll('%', '%25').replaceAll(':', '%3A') : text;

/**
 * The identity key of (source, id), injective: `<source>:<id>` with the source's `%` and `:`
 * percent-escaped, so the first `:` ends the source (`jwt:client:x` is the JWT subject `client:x`,
 * `client:x` the OAuth client `x`). Without a source, the id alone with its `%` and `:` escaped: such a key
 * holds no `:`, so it never equals a sourced one. Plain ids and built-in sources cost at most one
 * concatenation. The id may be ill-formed UTF-16: stores that hash or send keys escape that themselves.
 */
export function principalKeyOf(source: string | undefined, id: string): string {
  return source === undefined ? escape(id) : `${escape(source)}:${id}`;
}

/** The identity key of a principal: {@link principalKeyOf} of its source and id. */
export function keyOfPrincipal(principal: Pick<Principal, 'id' | 'source'>): string {
  const source = principal.source;
  return principalKeyOf(typeof source === 'string' ? source : undefined, principal.id);
}

/**
 * Who is calling, as a key for state (limits, caches, logs), injective in (source, id): the principal's
 * {@link keyOfPrincipal}, else `client:<clientId>` from `authInfo` (the key `fromAuthInfo()` gives that
 * client), else undefined (anonymous).
 */
export function principalIdOf(ctx: {
  get: (key: typeof principalKey) => Principal | undefined;
  readonly authInfo: { readonly clientId: string } | undefined;
}): string | undefined {
  const principal = ctx.get(principalKey);
  if (principal !== undefined) return keyOfPrincipal(principal);
  return ctx.authInfo === undefined ? undefined : `client:${ctx.authInfo.clientId}`;
}
