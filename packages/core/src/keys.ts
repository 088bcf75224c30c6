/** Per-call state that several packages share without importing each other. */
import { createKey } from './contract.js';

/** Who is calling: set by `auth()`, read by limits, caches and logs. Never holds the raw token. */
export interface Principal {
  /** Stable identity (a JWT `sub`, an API key's name). Used in limit and cache keys; never a label. */
  readonly id: string;
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

/**
 * The principal's id for keying state (limits, caches): the principal, else the OAuth client id from
 * `authInfo`, else undefined (anonymous).
 */
export function principalIdOf(ctx: {
  get: (key: typeof principalKey) => Principal | undefined;
  readonly authInfo: { readonly clientId: string } | undefined;
}): string | undefined {
  return (
    ctx.get(principalKey)?.id ?? (ctx.authInfo === undefined ? undefined : `client:${ctx.authInfo.clientId}`)
  );
}
