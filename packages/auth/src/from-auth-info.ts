/** The default resolver: trust `extra.authInfo` from the HTTP layer, re-checking expiry and audience. */
import type { AuthInfo, Principal, RequestContext } from '@mcp-middleware/core';
import { FROM_AUTH_INFO_OPTIONS } from './declaration.js';
import { callbackFailed, credentialError } from './problems.js';
import {
  freezePrincipal,
  isIssuedPrincipal,
  isPrincipalShaped,
  PRINCIPAL_EXTRA_KEY,
  type PrincipalResolver,
} from './resolver.js';

/** Options of {@link fromAuthInfo}. */
export interface FromAuthInfoOptions {
  /**
   * The canonical URI of this server (RFC 8707). When set, `authInfo.resource` must be present and name it
   * (fragment and one trailing slash aside); a token for another resource is refused as `wrong_audience`.
   * @default undefined: the HTTP layer that set `authInfo` owns the audience check
   */
  readonly resource?: string | URL | undefined;
  /**
   * Maps `authInfo` to a principal (its `source` is what it names, none by default). A mapping that throws or returns no
   * principal refuses the call (`UNAUTHENTICATED`, reason `check_failed`) with a `warning` event.
   * @default the principal this package's verifiers left in `authInfo.extra` (only one this package built,
   * never a look-alike copied from claims), else `id` = `extra.sub` (source `subject`) or the
   * `clientId` (source `client`), `scopes` = `authInfo.scopes`, `roles` = `extra.roles`,
   * `claims` = `extra`
   */
  readonly principal?: ((authInfo: AuthInfo) => Principal) | undefined;
}

/** The serialized resource without its fragment and one trailing slash, for comparison. */
export function comparableResource(resource: string | URL): string {
  const text = typeof resource === 'string' ? resource : resource.href;
  const hash = text.indexOf('#');
  return (hash === -1 ? text : text.slice(0, hash)).replace(/\/$/, '');
}

/** `value` as an absolute URL, or undefined when it is not one. */
export function toUrl(value: unknown): URL | undefined {
  if (value instanceof URL) return value;
  return typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** The default mapping from `authInfo` to a principal. */
export function principalFromAuthInfo(authInfo: AuthInfo): Principal {
  const extra = authInfo.extra;
  const left = extra?.[PRINCIPAL_EXTRA_KEY];
  // Only a principal this package built: a claim of that name copied into extra chooses nothing.
  if (isIssuedPrincipal(left)) return left;
  const sub = extra?.['sub'];
  const roles = extra?.['roles'];
  const claims: Record<string, unknown> = { ...extra };
  delete claims[PRINCIPAL_EXTRA_KEY];
  const hasSub = typeof sub === 'string' && sub !== '';
  return freezePrincipal(
    {
      id: hasSub ? sub : authInfo.clientId,
      clientId: authInfo.clientId,
      scopes: isStringArray(authInfo.scopes) ? authInfo.scopes : [],
      roles: isStringArray(roles) ? roles : [],
      claims,
    },
    hasSub ? 'subject' : 'client',
  );
}

/** A user mapping, guarded: it fails closed; its principal keeps the source it names (none by default). */
function custom(
  mapping: (authInfo: AuthInfo) => Principal,
): (authInfo: AuthInfo, ctx: RequestContext) => Principal {
  return (authInfo, ctx) => {
    let problem: unknown;
    try {
      const mapped: unknown = mapping(authInfo);
      if (isPrincipalShaped(mapped)) return freezePrincipal(mapped);
      problem = new TypeError('it returned no principal');
    } catch (error) {
      problem = error;
    }
    callbackFailed('the fromAuthInfo principal option', problem, ctx);
    throw credentialError('check_failed');
  };
}

/**
 * Resolves the principal from `extra.authInfo`, which an HTTP layer (such as {@link bearerGate}) set after
 * verifying the token. Refuses an `expiresAt` in the past (by `ctx.clock`) and, with `resource`, a token for
 * another resource. Answers synchronously: a principal is mapped once per `authInfo` object.
 */
export function fromAuthInfo(options: FromAuthInfoOptions = {}): PrincipalResolver {
  const { values, reader } = FROM_AUTH_INFO_OPTIONS.read(options);
  let expected: string | undefined;
  if (values.resource !== undefined) {
    expected = comparableResource(toUrl(values.resource) ?? reader.fail('resource', 'an absolute URL'));
  }
  const mapping = values.principal;
  const toPrincipal = mapping === undefined ? principalFromAuthInfo : custom(mapping);
  // One authInfo object per verified token (bearerGate caches them), so mapping and the audience check run once.
  const seen = new WeakMap<AuthInfo, Principal>();

  return function fromAuthInfo(ctx: RequestContext): Principal | undefined {
    const authInfo = ctx.authInfo;
    if (authInfo === undefined) return undefined;
    const expiresAt = authInfo.expiresAt;
    if (typeof expiresAt === 'number' && expiresAt * 1000 <= ctx.clock.now())
      throw credentialError('expired');
    let principal = seen.get(authInfo);
    if (principal !== undefined) return principal;
    if (expected !== undefined) {
      const resource = authInfo.resource;
      if (resource === undefined || comparableResource(resource) !== expected) {
        throw credentialError('wrong_audience');
      }
    }
    principal = toPrincipal(authInfo, ctx);
    seen.set(authInfo, principal);
    return principal;
  };
}
