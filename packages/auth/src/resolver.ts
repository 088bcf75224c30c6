/** The strategy contracts: a resolver finds who is calling; a verifier checks one token. */
import type {
  AuthInfo,
  OptionReader,
  Principal,
  PrincipalSource,
  RequestContext,
} from '@mcp-middleware/core';

/**
 * Finds who is calling, on any request (`ctx.tool` is set on tool calls only: read `ctx.operation`,
 * `ctx.target`, `ctx.authInfo`, `ctx.requestInfo`). Returns undefined when the request carries no credential
 * of its kind (so the next resolver may try), throws a `MiddlewareError` (`UNAUTHENTICATED`) when the
 * credential is bad. May answer synchronously; auth() then adds no await. A resolver written for tool calls
 * only (`(ctx: ToolContext) => …`) still type-checks; if it throws on another request, that request is
 * refused (fail closed) with a `warning` event.
 */
export type PrincipalResolver = {
  // Method syntax keeps the parameter bivariant, so resolvers typed for ToolContext stay assignable.
  resolve(ctx: RequestContext): Principal | undefined | PromiseLike<Principal | undefined>;
}['resolve'];

/** A token that passed verification: who it names, and the `AuthInfo` an HTTP layer hands the SDK. */
export interface VerifiedToken {
  readonly principal: Principal;
  /** Set as `req.auth`; carries the principal so `fromAuthInfo()` need not map it again. */
  readonly authInfo: AuthInfo;
}

/** Checks one presented token; the bearer gates and `envCredential()` take any verifier. */
export interface TokenVerifier {
  /** Resolves the verified token, or throws `UNAUTHENTICATED` (never echoing the token). */
  verify(token: string): VerifiedToken | Promise<VerifiedToken>;
  /** The audiences this verifier accepts, when it knows them (lets a gate check its `resource` at startup). */
  readonly audiences?: readonly string[] | undefined;
  /**
   * True when its credentials are minted by and valid only for this server (API keys in its config), so no
   * audience applies. Otherwise a gate requires `authInfo.resource` to name the gate's resource.
   * @default false
   */
  readonly issuedHere?: boolean | undefined;
}

/** The `authInfo.extra` key under which this package's verifiers leave the principal they resolved. */
export const PRINCIPAL_EXTRA_KEY = 'io.github.mcp-middleware/principal';

/** Builds the `AuthInfo` for a verified principal. */
export function authInfoFor(
  token: string,
  principal: Principal,
  expiresAtSec: number | undefined,
  resource: URL | undefined,
): AuthInfo {
  return {
    token,
    clientId: principal.clientId ?? principal.id,
    scopes: [...principal.scopes],
    ...(expiresAtSec !== undefined && { expiresAt: expiresAtSec }),
    ...(resource !== undefined && { resource }),
    extra: { [PRINCIPAL_EXTRA_KEY]: principal },
  };
}

// Principals this package built (module-private, so nothing outside can add to it): fromAuthInfo()
// trusts a principal found in `authInfo.extra` only when it is one of these, never a look-alike that
// an HTTP layer copied from token claims.
const issued = new WeakSet<Principal>();

/** True when `value` is a principal this package built with {@link freezePrincipal}. */
export function isIssuedPrincipal(value: unknown): value is Principal {
  return typeof value === 'object' && value !== null && issued.has(value as Principal);
}

/**
 * Freezes a principal and its lists, so no middleware can widen another's view of it, and stamps its
 * source (`source` when the principal names none). The result is recognised by {@link isIssuedPrincipal}.
 */
export function freezePrincipal(principal: Principal, source?: PrincipalSource): Principal {
  const own = typeof principal.source === 'string' ? principal.source : source;
  const frozen = Object.freeze({
    id: principal.id,
    ...(own !== undefined && { source: own }),
    ...(principal.clientId !== undefined && { clientId: principal.clientId }),
    scopes: Object.freeze([...principal.scopes]),
    roles: Object.freeze([...principal.roles]),
    claims: Object.freeze({ ...principal.claims }),
  });
  issued.add(frozen);
  return frozen;
}

function isStringList(value: unknown): value is readonly string[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
}

/**
 * True when `value` has a principal's shape (a string id, string lists of scopes and roles, an object of
 * claims): what a custom resolver or mapping must return. Issued principals pass without a look.
 */
export function isPrincipalShaped(value: unknown): value is Principal {
  if (isIssuedPrincipal(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Partial<Principal>;
  const source = p.source;
  return (
    typeof p.id === 'string' &&
    (source === undefined || typeof source === 'string') &&
    (p.clientId === undefined || typeof p.clientId === 'string') &&
    isStringList(p.scopes) &&
    isStringList(p.roles) &&
    typeof p.claims === 'object' &&
    p.claims !== null
  );
}

/** Reads a required verifier option. */
export function readVerifier(reader: OptionReader, key: string): TokenVerifier {
  const value = reader.raw(key) as Partial<TokenVerifier> | undefined;
  return typeof value?.verify === 'function'
    ? (value as TokenVerifier)
    : reader.fail(key, 'a token verifier such as jwt({ … }) or apiKeys({ keys })');
}
