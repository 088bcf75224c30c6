/** jwt(): bearer JWTs verified with jose against a JWKS endpoint or a fixed key, with a verified-token cache. */
import {
  ConfigError,
  readOptions,
  systemClock,
  type Clock,
  type Principal,
  type RequestContext,
} from '@mcp-middleware/core';
import {
  createRemoteJWKSet,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { principalFromClaims } from './claims.js';
import { bearerTokenOf } from './credentials.js';
import { fromJoseError } from './jose-errors.js';
import {
  readAlgorithms,
  readJwksUri,
  readKey,
  stringList,
  type JwtAlgorithm,
  type JwtKey,
} from './jwt-keys.js';
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

/** Options of {@link jwt}. `issuer`, `audience`, `algorithms` and one of `jwksUri` / `key` are required. */
export interface JwtOptions {
  /** The `iss` values to trust. Required. */
  readonly issuer: string | readonly string[];
  /** This server's identifiers (its canonical URI, RFC 8707); `aud` must name one. Required. */
  readonly audience: string | readonly string[];
  /** The allowed signature algorithms, e.g. `['RS256', 'ES256']`. Required, non-empty; `none` is refused. */
  readonly algorithms: readonly JwtAlgorithm[];
  /** Where the issuer publishes its keys (https, or http on loopback). Exactly one of `jwksUri` and `key`. */
  readonly jwksUri?: string | URL | undefined;
  /** A fixed key or key set. Exactly one of `jwksUri` and `key`. */
  readonly key?: JwtKey | undefined;
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds. @default 5 */
  readonly clockToleranceSec?: number | undefined;
  /** Refuse tokens issued longer ago than this (needs `iat`), in seconds. @default undefined (no limit) */
  readonly maxTokenAgeSec?: number | undefined;
  /** The required `typ` header, e.g. `at+jwt` (RFC 9068). @default undefined (not checked) */
  readonly typ?: string | undefined;
  /** Longer tokens are refused before any parsing, in bytes. @default 8192 */
  readonly maxTokenBytes?: number | undefined;
  /** Verified tokens kept in memory; 0 disables the cache. @default 1000 */
  readonly cacheSize?: number | undefined;
  /** How long a verified token is served from the cache at most (never past its `exp`), in ms. @default 60000 */
  readonly cacheMaxAgeMs?: number | undefined;
  /** Timeout of one JWKS fetch, in ms. @default 5000 */
  readonly jwksTimeoutMs?: number | undefined;
  /** Minimum gap between refetches that an unknown `kid` triggers, in ms. @default 30000 */
  readonly jwksCooldownMs?: number | undefined;
  /** How long fetched keys are trusted before a refetch, in ms. @default 600000 */
  readonly jwksCacheMaxAgeMs?: number | undefined;
  /**
   * Maps verified claims to a principal.
   * @default `id` = `sub`, `clientId` = `client_id` or `azp`, `scopes` from `scope` or `scp`, `roles` from
   * `roles`, `claims` = the payload
   */
  readonly principal?: ((claims: JWTPayload) => Principal) | undefined;
  /** Time for expiry checks and the cache. @default systemClock */
  readonly clock?: Clock | undefined;
}

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

const KNOWN = [
  'issuer',
  'audience',
  'algorithms',
  'jwksUri',
  'key',
  'clockToleranceSec',
  'maxTokenAgeSec',
  'typ',
  'maxTokenBytes',
  'cacheSize',
  'cacheMaxAgeMs',
  'jwksTimeoutMs',
  'jwksCooldownMs',
  'jwksCacheMaxAgeMs',
  'principal',
  'clock',
] as const;

/**
 * Verifies bearer JWTs with jose: `issuer`, `audience` and `algorithms` are mandatory, `exp` and `sub` are
 * required claims, keys come from a JWKS endpoint (fetched with a timeout, cached, refetched when an
 * unknown `kid` shows up, so rotations need no restart) or a fixed key. Verified tokens are cached until
 * their `exp` (at most `cacheMaxAgeMs`), so a repeated token costs one Map lookup.
 */
export function jwt(options: JwtOptions): JwtStrategy {
  const reader = readOptions('jwt', options, KNOWN);
  if (options === undefined) {
    throw new ConfigError(
      'options',
      'jwt: options are required (issuer, audience, algorithms, jwksUri or key)',
    );
  }
  const issuer = stringList('issuer', reader.raw('issuer'), 'the trusted token issuer');
  const audiences = stringList('audience', reader.raw('audience'), "this server's canonical URI");
  const algorithms = readAlgorithms(reader.raw('algorithms'));
  const clockToleranceSec = reader.number('clockToleranceSec', { min: 0, max: 300, default: 5 });
  const maxTokenAgeSec = reader.number('maxTokenAgeSec', { min: 1 });
  const typ = reader.string('typ');
  const maxTokenBytes = reader.integer('maxTokenBytes', { min: 256, max: 1_048_576, default: 8192 });
  const cacheSize = reader.integer('cacheSize', { min: 0, max: 10_000_000, default: 1000 });
  const cacheMaxAgeMs = reader.integer('cacheMaxAgeMs', { min: 0, default: 60_000 });
  const jwksTimeoutMs = reader.integer('jwksTimeoutMs', { min: 1, max: 60_000, default: 5000 });
  const jwksCooldownMs = reader.integer('jwksCooldownMs', { min: 0, default: 30_000 });
  const jwksCacheMaxAgeMs = reader.integer('jwksCacheMaxAgeMs', { min: 0, default: 600_000 });
  const toPrincipal = reader.function<(claims: JWTPayload) => Principal>('principal') ?? principalFromClaims;
  const clock = (reader.raw('clock') as Clock | undefined) ?? systemClock;
  if (typeof clock.now !== 'function') reader.fail('clock', 'a Clock (an object with now())');

  const hasUri = reader.has('jwksUri');
  const hasKey = reader.has('key');
  if (hasUri === hasKey) {
    throw new ConfigError(
      hasUri ? 'key' : 'jwksUri',
      `jwt: give exactly one of jwksUri (the issuer's key set) and key (a fixed key), ${hasUri ? 'not both' : 'got neither'}`,
    );
  }
  const symmetric = algorithms.filter((alg) => alg.startsWith('HS'));
  if (hasUri && symmetric.length > 0) {
    throw new ConfigError(
      'algorithms',
      `jwt: ${symmetric.join(', ')} need a shared secret and cannot come from a public key set (jwksUri)`,
    );
  }
  const key: JwtKey | JWTVerifyGetKey = hasUri
    ? createRemoteJWKSet(readJwksUri(reader.raw('jwksUri')), {
        timeoutDuration: jwksTimeoutMs,
        cooldownDuration: jwksCooldownMs,
        cacheMaxAge: jwksCacheMaxAgeMs,
      })
    : readKey(reader.raw('key'));

  const verifyOptions: JWTVerifyOptions = {
    issuer: [...issuer],
    audience: [...audiences],
    algorithms: [...algorithms],
    clockTolerance: clockToleranceSec,
    requiredClaims: ['exp', 'sub'],
    ...(typ !== undefined && { typ }),
    ...(maxTokenAgeSec !== undefined && { maxTokenAge: maxTokenAgeSec }),
  };
  const cache = new TokenCache<VerifiedToken>(cacheSize, cacheMaxAgeMs);

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
