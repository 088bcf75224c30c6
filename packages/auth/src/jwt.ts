/** jwt(): bearer JWTs verified with jose against a JWKS endpoint or a fixed key, with a verified-token cache. */
import type { Principal, RequestContext } from '@mcp-middleware/core';
import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { bearerTokenOf } from './credentials.js';
import { fromJoseError } from './jose-errors.js';
import { readJwtOptions, type JwtOptions } from './jwt-options.js';
import { callbackFailed, credentialError } from './problems.js';
import {
  authInfoFor,
  freezePrincipal,
  isPrincipalShaped,
  type TokenVerifier,
  type VerifiedToken,
} from './resolver.js';
import { TokenCache } from './token-cache.js';

export { JWT_ALGORITHMS, type JwtAlgorithm, type JwtKey } from './jwt-keys.js';
export { principalFromClaims } from './claims.js';
export type { JwtOptions } from './jwt-options.js';

/** A JWT strategy: a resolver for auth() and a verifier for the bearer gates. */
export interface JwtStrategy extends TokenVerifier {
  (ctx: RequestContext): Principal | undefined | Promise<Principal | undefined>;
  readonly audiences: readonly string[];
  /** Drops every cached verification (for instance after revoking a key). */
  clearCache(): void;
}

/**
 * The principal of verified claims through the (possibly user-supplied) mapping. A mapping that throws or
 * returns something that is not a principal fails closed: the token is refused as `invalid_claim`, and a
 * process warning names the mapping (there is no call to report on: gates verify before any call).
 */
function mapClaims(toPrincipal: (claims: JWTPayload) => Principal, payload: JWTPayload): Principal {
  try {
    const mapped: unknown = toPrincipal(payload);
    if (isPrincipalShaped(mapped)) return freezePrincipal(mapped, 'jwt');
    callbackFailed('the jwt principal option', new TypeError('it returned no principal'));
  } catch (error) {
    callbackFailed('the jwt principal option', error);
  }
  throw credentialError('invalid_claim');
}

/**
 * Verifies bearer JWTs with jose: `issuer`, `audience` and `algorithms` are mandatory, `exp` and `sub` are
 * required claims, keys come from a JWKS endpoint (fetched with a timeout, cached, refetched when an
 * unknown `kid` shows up, so rotations need no restart) or a fixed key. Verified tokens are cached until
 * their `exp` (at most `cacheMaxAgeMs`), so a repeated token costs one Map lookup.
 */
export function jwt(options: JwtOptions): JwtStrategy {
  const o = readJwtOptions(options);
  const { audiences, clockToleranceSec, maxTokenBytes, toPrincipal, clock, hasUri, key, verifyOptions } = o;
  const cache = new TokenCache<VerifiedToken>(o.cacheSize, o.cacheMaxAgeMs);

  async function verifyFresh(token: string, nowMs: number): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
        ...verifyOptions,
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      throw fromJoseError(error, hasUri);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw credentialError('invalid_claim');
    // jose only checks iat with maxTokenAge; a token minted in the future is refused either way.
    if (typeof payload.iat === 'number' && payload.iat > nowMs / 1000 + clockToleranceSec) {
      throw credentialError('not_yet_valid');
    }
    const principal = mapClaims(toPrincipal, payload);
    const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    const matched = aud.find((a) => audiences.includes(a));
    const resource = matched !== undefined && URL.canParse(matched) ? new URL(matched) : undefined;
    const verified: VerifiedToken = Object.freeze({
      principal,
      authInfo: authInfoFor(token, principal, payload.exp, resource),
    });
    cache.set(token, verified, (payload.exp as number) * 1000, clock.now());
    return verified;
  }

  function verify(token: string): VerifiedToken | Promise<VerifiedToken> {
    if (token.length > maxTokenBytes) throw credentialError('too_large');
    const nowMs = clock.now();
    return cache.get(token, nowMs) ?? verifyFresh(token, nowMs);
  }

  const strategy = function jwt(ctx: RequestContext): Principal | undefined | Promise<Principal | undefined> {
    const token = bearerTokenOf(ctx);
    if (token === undefined) return undefined;
    const verified = verify(token);
    return verified instanceof Promise ? verified.then((v) => v.principal) : verified.principal;
  };
  return Object.assign(strategy, { verify, audiences, clearCache: () => cache.clear() });
}
